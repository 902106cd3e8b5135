package dev.vmesh.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code ReadModifyWriteRace} has {@code writers} threads each increment one counter annotation
 * {@code each} times with get, then update at the version read, retrying on conflict.
 */
public final class ReadModifyWriteRace {
  private ReadModifyWriteRace() {}

  /** Runs the race and returns the counter's final value; asserts that writers did conflict. */
  public static int increments(ConfigStore s, int writers, int each) throws Exception {
    return increments(List.of(s), writers, each);
  }

  /**
   * As {@link #increments(ConfigStore, int, int)}, writer {@code i} using {@code stores[i % n]}: several
   * stores on one backend (several servers on one etcd) racing.
   */
  public static int increments(List<ConfigStore> stores, int writers, int each) throws Exception {
    ConfigStore s = stores.get(0);
    Resource counter = s.create(Fixtures.withAnnotation(Fixtures.we("counter", "10.0.0.1"), "n", "0"));
    AtomicInteger conflicts = new AtomicInteger();
    // all writers start together, and each lets others run between its read and its write: in memory a
    // writer can otherwise finish all its increments in one time slice on a busy machine, and none conflict
    CountDownLatch start = new CountDownLatch(1);
    try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        ConfigStore mine = stores.get(w % stores.size());
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            while (true) {
              Resource cur = mine.get(counter.key()).orElseThrow();
              int n = Integer.parseInt(cur.metadata().annotations().get("n"));
              Thread.yield();
              try {
                mine.update(Fixtures.withAnnotation(cur, "n", Integer.toString(n + 1)));
                break;
              } catch (StoreException.Conflict e) {
                conflicts.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    }
    assertThat(conflicts.get()).as("the test must actually race").isPositive();
    return Integer.parseInt(s.get(counter.key()).orElseThrow().metadata().annotations().get("n"));
  }
}
