package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Optimistic concurrency: many writers incrementing one counter with read-modify-write never lose an update. */
class ConcurrentWritersLoseNoUpdateTest {
  @TempDir
  Path tmp;

  private static int increments(ConfigStore s, int writers, int each) throws Exception {
    Resource counter = s.create(Fixtures.withAnnotation(we("counter", "10.0.0.1"), "n", "0"));
    AtomicInteger conflicts = new AtomicInteger();
    try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            while (true) {
              Resource cur = s.get(counter.key()).orElseThrow();
              int n = Integer.parseInt(cur.metadata().annotations().get("n"));
              try {
                s.update(Fixtures.withAnnotation(cur, "n", Integer.toString(n + 1)));
                break;
              } catch (StoreException.Conflict e) {
                conflicts.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    }
    assertThat(conflicts.get()).as("the test must actually race").isPositive();
    return Integer.parseInt(s.get(counter.key()).orElseThrow().metadata().annotations().get("n"));
  }

  @Test
  void inMemory() throws Exception {
    try (var s = ConfigStores.memory(CLOCK)) {
      assertThat(increments(s, 8, 300)).isEqualTo(2400);
    }
  }

  @Test
  void durable() throws Exception {
    Path dir = tmp.resolve("data");
    try (var s = ConfigStores.durable(dir, CLOCK)) {
      assertThat(increments(s, 4, 50)).isEqualTo(200);
    }
    try (var s = ConfigStores.durable(dir, CLOCK)) {
      assertThat(s.list(ListOptions.all()).items()).singleElement()
          .satisfies(r -> assertThat(r.metadata().annotations()).containsEntry("n", "200"));
    }
  }
}
