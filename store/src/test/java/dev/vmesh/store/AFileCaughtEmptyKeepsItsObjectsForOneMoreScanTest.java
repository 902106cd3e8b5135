package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.FileStoreFollowsTheDirectoryTest.we;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadEntrySpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An editor (or Files.writeString) truncates a file before writing it; a scan in between sees it empty. */
class AFileCaughtEmptyKeepsItsObjectsForOneMoreScanTest {
  private static final ResourceKey A = new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "a");

  @TempDir
  Path dir;

  @Test
  void anEmptiedFileLosesItsObjectsOnlyWhenTheNextScanStillFindsItEmpty() throws IOException {
    Path file = dir.resolve("a.yaml");
    Files.writeString(file, we("a", "10.0.0.1"));
    try (var s = FileConfigStore.open(dir, CLOCK, Duration.ZERO)) {
      Files.writeString(file, "");
      s.rescan();
      assertThat(s.get(A)).isPresent();
      Files.writeString(file, we("a", "10.0.0.2")); // the write that followed the truncation
      s.rescan();
      assertThat(s.get(A)).get().extracting(r -> r.spec(WorkloadEntrySpec.class).address())
          .isEqualTo("10.0.0.2");

      Files.writeString(file, "");
      s.rescan();
      assertThat(s.get(A)).isPresent();
      s.rescan();
      assertThat(s.get(A)).isEmpty(); // still empty: the user emptied it
      assertThat(s.problems()).isEmpty();
    }
  }
}
