package dev.vmesh.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** Test helper: several writers store different values under one blob name at the same moment. */
public final class BlobRace {
  private BlobRace() {}

  /**
   * Writer {@code i} stores {@code value.apply(i)} under {@code name} through {@code blobs.apply(i)}, all
   * released together; asserts that exactly one of them stored it and returns which.
   */
  public static int oneWinner(int writers, IntFunction<Blobs> blobs, String name, IntFunction<byte[]> value)
      throws Exception {
    CyclicBarrier start = new CyclicBarrier(writers);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<Boolean>> wins = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        Blobs b = blobs.apply(i);
        byte[] v = value.apply(i);
        wins.add(pool.submit(() -> {
          start.await();
          return b.putIfAbsent(name, v);
        }));
      }
      List<Integer> winners = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        if (wins.get(i).get()) {
          winners.add(i);
        }
      }
      assertThat(winners).as("writers that stored %s", name).hasSize(1);
      return winners.get(0);
    } finally {
      pool.shutdownNow();
    }
  }
}
