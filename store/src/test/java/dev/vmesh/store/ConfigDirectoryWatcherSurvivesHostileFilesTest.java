package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.FileStoreFollowsTheDirectoryTest.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceDecoder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class ConfigDirectoryWatcherSurvivesHostileFilesTest {
  private static final Duration POLL = Duration.ofMillis(20);

  @TempDir
  Path dir;

  private void write(String file, String text) throws IOException {
    Path p = dir.resolve(file);
    Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static boolean has(ConfigStore s, String name) {
    return s.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", name)).isPresent();
  }

  @Test
  void deeplyNestedFileIsAnErrorAtStartAndLaterEditsStillApply() throws IOException {
    write("good.yaml", we("a", "10.0.0.1"));
    write("deep.yaml", we("b", "10.0.0.2").replace("labels: {app: a}", "labels: " + "[".repeat(1500)
        + "]".repeat(1500)));
    try (var s = FileConfigStore.open(dir, CLOCK, POLL)) {
      assertThat(has(s, "a")).isTrue();
      assertThat(s.problems()).extracting(Problem::toString).singleElement().asString()
          .startsWith("deep.yaml:4:").contains("nest deeper than 64 levels");
      write("deep.yaml", we("b", "10.0.0.2"));
      await().atMost(Duration.ofSeconds(10)).until(() -> has(s, "b"));
      assertThat(s.problems()).isEmpty();
    }
  }

  @Test
  void anyThrowableFromOneFileBecomesItsProblemAndTheWatcherGoesOn() throws IOException {
    write("a.yaml", we("a", "10.0.0.1"));
    write("boom.yaml", we("b", "10.0.0.2"));
    try (var s = FileConfigStore.open(dir, CLOCK, POLL, (name, text) -> {
      if (text.contains("BOOM")) {
        throw new StackOverflowError();
      }
      if (text.contains("OOM")) {
        throw new OutOfMemoryError("Java heap space");
      }
      return ResourceDecoder.decode(name, text);
    })) {
      assertThat(has(s, "b")).isTrue();
      write("boom.yaml", we("b", "10.0.0.2") + "# BOOM\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> s.filesWithErrors() == 1);
      assertThat(s.problems()).extracting(Problem::toString).singleElement().asString()
          .startsWith("boom.yaml: vmesh failed reading this file (java.lang.StackOverflowError); its last good "
              + "objects are still served");
      assertThat(has(s, "b")).isTrue();
      write("c.yaml", we("c", "10.0.0.3") + "# OOM\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> s.filesWithErrors() == 2);
      write("d.yaml", we("d", "10.0.0.4"));
      await().atMost(Duration.ofSeconds(10)).until(() -> has(s, "d"));
      write("boom.yaml", we("b", "10.0.0.22"));
      await().atMost(Duration.ofSeconds(10)).until(() -> s.filesWithErrors() == 1);
    }
  }

  @Test
  void aSymlinkLoopIsReportedOnceAndTheRestIsServed() throws IOException {
    write("a.yaml", we("a", "10.0.0.1"));
    write("sub/b.yaml", we("b", "10.0.0.2"));
    Files.createSymbolicLink(dir.resolve("sub/loop"), dir);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    Logger logger = (Logger) LoggerFactory.getLogger(FileConfigStore.class);
    log.start();
    logger.addAppender(log);
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      for (int i = 0; i < 5; i++) {
        s.rescan();
      }
      assertThat(has(s, "a")).isTrue();
      assertThat(has(s, "b")).isTrue();
      assertThat(s.problems()).extracting(Problem::toString).containsExactly(
          "sub/loop: symbolic link loop: this directory contains itself; it is skipped (remove the link)");
      assertThat(s.filesWithErrors()).isEqualTo(1);
      assertThat(log.list).extracting(ILoggingEvent::getFormattedMessage)
          .filteredOn(m -> m.contains("symbolic link loop")).hasSize(1);
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void aFileOverEightMebibytesIsRefusedWithoutReadingIt() throws IOException {
    write("a.yaml", we("a", "10.0.0.1"));
    try (RandomAccessFile huge = new RandomAccessFile(dir.resolve("huge.yaml").toFile(), "rw")) {
      huge.setLength(300L * 1024 * 1024); // sparse: takes no space
    }
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      assertThat(has(s, "a")).isTrue();
      assertThat(s.problems()).extracting(Problem::toString).containsExactly(
          "huge.yaml: file is 300 MiB, more than the 8 MiB vmesh reads from one file; split it into several files");
    }
  }

  @Test
  void aMissingOrNonDirectoryConfigPathSaysWhichAndTheFix() throws IOException {
    write("file.yaml", we("a", "10.0.0.1"));
    Assertions.assertThatThrownBy(() -> FileConfigStore.open(dir.resolve("file.yaml"), CLOCK,
        Duration.ZERO)).hasMessageEndingWith("file.yaml is not a directory; give --config a directory of YAML or "
        + "JSON files");
    Assertions.assertThatThrownBy(() -> FileConfigStore.open(dir.resolve("nope"), CLOCK,
        Duration.ZERO)).hasMessageEndingWith("nope does not exist; create it or fix --config");
  }
}
