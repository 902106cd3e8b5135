package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM writes to the embedded store and is killed with SIGKILL at random moments; after each
 * kill the store must open cleanly with every acknowledged write present.
 */
class DurableStoreSurvivesKillDashNineTest {
  @TempDir
  Path tmp;

  @Test
  void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
    Path dir = tmp.resolve("data");
    Random random = new Random(42);
    int next = 0;
    long lastAckedRevision = 0;
    List<String> acknowledged = new ArrayList<>();
    int lastAckedCounter = -1;
    for (int round = 0; round < 5; round++) {
      Process child = new ProcessBuilder(javaCommand(), "--enable-native-access=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString(),
          Integer.toString(next))
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      int killAfter = 20 + random.nextInt(200);
      try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        int acks = 0;
        while (acks < killAfter && (line = in.readLine()) != null) {
          String[] f = line.split(" ");
          if (f[0].equals("created")) {
            acknowledged.add(f[1]);
            lastAckedRevision = Math.max(lastAckedRevision, Long.parseLong(f[2]));
            acks++;
          } else if (f[0].equals("counter")) {
            lastAckedCounter = Integer.parseInt(f[1]);
            lastAckedRevision = Math.max(lastAckedRevision, Long.parseLong(f[2]));
          }
        }
        child.destroyForcibly(); // SIGKILL, in the middle of a write most of the time
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(acknowledged).as("round %d produced writes", round).isNotEmpty();

      try (var s = ConfigStores.durable(dir, CLOCK)) {
        for (String name : acknowledged) {
          assertThat(s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", name))).as(name).isPresent();
        }
        Resource counter = s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "counter")).orElseThrow();
        assertThat(Integer.parseInt(counter.metadata().annotations().get("n"))).isGreaterThanOrEqualTo(lastAckedCounter);
        assertThat(Long.parseLong(s.resourceVersion())).isGreaterThanOrEqualTo(lastAckedRevision);
        // the next round continues after every object the store has, acknowledged or not
        next = s.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items().size() + 1000 * (round + 1);
      }
    }
  }

  /**
   * Eight writers at once, so most appends carry several writes (group commit): every write that
   * returned before the kill is there after it, and the revision is at least the highest returned.
   */
  @Test
  void everyAcknowledgedWriteOfConcurrentWritersSurvivesSigkill() throws Exception {
    Path dir = tmp.resolve("concurrent");
    Random random = new Random(7);
    List<String> acknowledged = new ArrayList<>();
    long lastAckedRevision = 0;
    int next = 0;
    for (int round = 0; round < 4; round++) {
      Process child = new ProcessBuilder(javaCommand(), "--enable-native-access=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString(),
          Integer.toString(next), "8")
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      int killAfter = 50 + random.nextInt(400);
      try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        int acks = 0;
        while (acks < killAfter && (line = in.readLine()) != null) {
          String[] f = line.split(" ");
          if (f[0].equals("created")) {
            acknowledged.add(f[1]);
            lastAckedRevision = Math.max(lastAckedRevision, Long.parseLong(f[2]));
            acks++;
          }
        }
        child.destroyForcibly();
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(acknowledged).as("round %d produced writes", round).isNotEmpty();
      try (var s = ConfigStores.durable(dir, CLOCK)) {
        for (String name : acknowledged) {
          assertThat(s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", name))).as(name).isPresent();
        }
        assertThat(Long.parseLong(s.resourceVersion())).isGreaterThanOrEqualTo(lastAckedRevision);
        next = 100_000 * (round + 1);
      }
    }
  }

  @Test
  void aGarbageDatabaseIsReportedNotSilentlyReplaced() throws Exception {
    Path dir = tmp.resolve("garbage");
    Files.createDirectories(dir);
    byte[] garbage = "this is not a database, it is a text file".repeat(100).getBytes(StandardCharsets.UTF_8);
    Files.write(dir.resolve("store.db"), garbage);
    assertThatThrownBy(() -> ConfigStores.durable(dir, CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("cannot open the store in " + dir);
    assertThat(Files.readAllBytes(dir.resolve("store.db"))).isEqualTo(garbage);
  }

  @Test
  void aSecondServerOnTheSameDirectoryIsRefused() {
    Path dir = tmp.resolve("shared");
    try (var first = ConfigStores.durable(dir, CLOCK)) {
      first.create(Fixtures.we("a", "10.0.0.1"));
      assertThatThrownBy(() -> ConfigStores.durable(dir, CLOCK))
          .isInstanceOf(StoreException.Unavailable.class)
          .hasMessageContaining("in use by another vmesh server");
      assertThat(first.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "a"))).isPresent();
    }
    try (var again = ConfigStores.durable(dir, CLOCK)) {
      assertThat(again.size()).isEqualTo(1);
    }
  }

  private static String javaCommand() {
    return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString());
  }
}
