package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Optimistic concurrency: many writers incrementing one counter with read-modify-write never lose an update. */
class ConcurrentWritersLoseNoUpdateTest {
  @TempDir
  Path tmp;

  @Test
  void inMemory() throws Exception {
    try (var s = ConfigStores.memory(CLOCK)) {
      assertThat(ReadModifyWriteRace.increments(s, 8, 300)).isEqualTo(2400);
    }
  }

  @Test
  void durable() throws Exception {
    Path dir = tmp.resolve("data");
    try (var s = ConfigStores.durable(dir, CLOCK)) {
      assertThat(ReadModifyWriteRace.increments(s, 4, 50)).isEqualTo(200);
    }
    try (var s = ConfigStores.durable(dir, CLOCK)) {
      assertThat(s.list(ListOptions.all()).items()).singleElement()
          .satisfies(r -> assertThat(r.metadata().annotations()).containsEntry("n", "200"));
    }
  }
}
