package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Fixtures;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.ReadModifyWriteRace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Optimistic concurrency on etcd: writers on one store, and writers on two stores (two servers sharing
 * etcd), incrementing one counter with read-modify-write lose no update; unconditional writes retry
 * instead of failing.
 */
class ConcurrentWritersOnEtcdLoseNoUpdateTest {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @Test
  void writersOnOneStore() throws Exception {
    try (var s = EtcdConfigStore.connect(etcd.options(), CLOCK)) {
      assertThat(ReadModifyWriteRace.increments(s, 4, 40)).isEqualTo(160);
    }
  }

  @Test
  void writersOnTwoStoresSharingEtcd() throws Exception {
    EtcdOptions options = etcd.options();
    try (var s1 = EtcdConfigStore.connect(options, CLOCK); var s2 = EtcdConfigStore.connect(options, CLOCK)) {
      assertThat(ReadModifyWriteRace.increments(List.<ConfigStore>of(s1, s2), 4, 40)).isEqualTo(160);
      assertThat(s2.list(ListOptions.all()).items()).singleElement()
          .satisfies(r -> assertThat(r.metadata().annotations()).containsEntry("n", "160"));
    }
  }

  @Test
  void unconditionalWritesRetryTheirCompareAndSwap() throws Exception {
    try (var s = EtcdConfigStore.connect(etcd.options(), CLOCK)) {
      Resource r = s.create(we("target", "10.0.0.1"));
      int writers = 4;
      int each = 25;
      try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
          String writer = "w" + w;
          futures.add(pool.submit(() -> {
            for (int i = 0; i < each; i++) {
              // a stale object without a resourceVersion: "whatever is there"
              Resource mine = Fixtures.withAnnotation(r, writer, Integer.toString(i));
              s.update(mine.withMetadata(mine.metadata().withResourceVersion("")));
            }
            return null;
          }));
        }
        for (Future<?> f : futures) {
          f.get(); // none failed with a conflict
        }
      }
      Resource last = s.get(r.key()).orElseThrow();
      assertThat(last.metadata().annotations()).hasSize(1);
      assertThat(Long.parseLong(last.resourceVersion())).isGreaterThan(Long.parseLong(r.resourceVersion()));
    }
  }
}
