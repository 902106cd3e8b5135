package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadEntrySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreFollowsTheDirectoryTest {
  @TempDir
  Path dir;

  static String we(String name, String address) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: ns1}
        spec: {address: %s, labels: {app: a}}
        """.formatted(name, address);
  }

  private static String address(ConfigStore s, String name) {
    return s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", name)).map(r -> r.spec(WorkloadEntrySpec.class).address())
        .orElse(null);
  }

  private void write(String file, String text) throws IOException {
    Path p = dir.resolve(file);
    Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void readsNestedYamlAndJsonAndSkipsHiddenAndOtherFiles() throws IOException {
    write("a.yaml", we("a", "10.0.0.1") + "---\n" + we("b", "10.0.0.2"));
    write("sub/deeper/c.json", """
        {"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
         "metadata": {"name": "c", "namespace": "ns1"}, "spec": {"address": "10.0.0.3"}}
        """);
    write(".hidden/d.yaml", we("d", "10.0.0.4"));
    write("notes.txt", "not config");
    write("deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {}\n");
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      assertThat(s.list(ListOptions.all()).items()).extracting(Resource::name).containsExactly("a", "b", "c");
      assertThat(s.problems()).extracting(Problem::toString)
          .containsExactly("deploy.yaml:1:1: notice: skipped Deployment (apps/v1): not one of the Istio kinds vmesh reads");
      assertThat(s.sourceOf(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "c"))).contains(dir.resolve("sub/deeper/c.json"));
    }
  }

  @Test
  void editsAddsAndDeletesBecomeEventsOnTheNextScan() throws IOException {
    write("a.yaml", we("a", "10.0.0.1"));
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      List<String> events = new CopyOnWriteArrayList<>();
      s.watch(WatchOptions.fromCurrentState(), e -> events.add(e.type() + (e.object() == null ? "" : " "
          + e.object().name())));
      write("a.yaml", we("a", "10.0.0.9"));
      assertThat(address(s, "a")).isEqualTo("10.0.0.1"); // nothing changes between scans
      assertThat(s.rescan()).isEqualTo(1);
      assertThat(address(s, "a")).isEqualTo("10.0.0.9");
      write("b.yaml", we("b", "10.0.0.2"));
      assertThat(s.rescan()).isEqualTo(1);
      assertThat(address(s, "b")).isEqualTo("10.0.0.2");
      Files.delete(dir.resolve("a.yaml"));
      assertThat(s.rescan()).isEqualTo(1);
      assertThat(address(s, "a")).isNull();
      assertThat(s.rescan()).isZero();
      await().until(() -> events.size() == 5);
      assertThat(events).containsExactly("ADDED a", "SYNCED", "MODIFIED a", "ADDED b", "DELETED a");
    }
  }

  @Test
  void thePollerScansByItself() throws IOException {
    write("a.yaml", we("a", "10.0.0.1"));
    try (var s = FileConfigStore.open(dir, CLOCK, FileConfigStore.DEFAULT_POLL_INTERVAL)) {
      write("a.yaml", we("a", "10.0.0.9"));
      await().until(() -> "10.0.0.9".equals(address(s, "a")));
    }
  }

  @Test
  void aBrokenFileKeepsItsLastGoodObjectsAndReportsTheError() throws IOException {
    write("a.yaml", we("a", "10.0.0.1") + "---\n" + we("b", "10.0.0.2"));
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      write("a.yaml", we("a", "10.0.0.7") + "---\n" + we("b", "10.0.0.2").replace("address:", "adress:"));
      s.rescan();
      assertThat(address(s, "a")).isEqualTo("10.0.0.1"); // not half-applied: the whole file waits
      assertThat(address(s, "b")).isEqualTo("10.0.0.2");
      assertThat(s.problems()).extracting(Problem::toString).singleElement().asString()
          .startsWith("a.yaml:9:8: spec.adress: unknown field \"adress\"");
      assertThat(s.hasErrors(dir.resolve("a.yaml"))).isTrue();

      write("a.yaml", we("a", "10.0.0.7"));
      s.rescan();
      assertThat(address(s, "a")).isEqualTo("10.0.0.7");
      assertThat(address(s, "b")).isNull();
      assertThat(s.problems()).isEmpty();
    }
  }

  @Test
  void invalidObjectsGarbageAndDuplicatesAreReported() throws IOException {
    write("bad.yaml", we("a", "not an address!"));
    write("binary.yaml", new String(new byte[] {0, 1, 2, (byte) 0xff, 3}, StandardCharsets.ISO_8859_1));
    write("one.yaml", we("dup", "10.0.0.1"));
    write("two.yaml", we("dup", "10.0.0.2"));
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      assertThat(s.list(ListOptions.all()).items()).extracting(Resource::name).containsExactly("dup");
      assertThat(address(s, "dup")).isEqualTo("10.0.0.1");
      assertThat(s.problems()).extracting(Problem::toString).satisfiesExactly(
          p -> assertThat(p).startsWith("bad.yaml:4:17: spec.address: endpoint address \"not an address!\""),
          p -> assertThat(p).startsWith("binary.yaml:"),
          p -> assertThat(p).isEqualTo("two.yaml: WorkloadEntry ns1/dup is also defined in one.yaml; this copy is ignored"));
    }
  }

  @Test
  void writesAreRefused() throws IOException {
    write("a.yaml", we("a", "10.0.0.1"));
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      Resource a = s.list(ListOptions.all()).items().get(0);
      assertThat(s.isReadOnly()).isTrue();
      assertThatThrownBy(() -> s.update(a)).isInstanceOf(StoreException.ReadOnly.class)
          .hasMessageContaining("edit the files");
      assertThatThrownBy(() -> s.delete(a.key(), Preconditions.NONE)).isInstanceOf(StoreException.ReadOnly.class);
    }
  }

  @Test
  void aMissingDirectoryIsAClearError() {
    assertThatThrownBy(() -> FileConfigStore.open(dir.resolve("nope"), CLOCK, Duration.ZERO))
        .isInstanceOf(StoreException.Unavailable.class).hasMessageContaining("does not exist");
  }
}
