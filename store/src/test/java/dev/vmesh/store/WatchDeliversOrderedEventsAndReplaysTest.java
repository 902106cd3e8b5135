package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only {@link LocalConfigStore} does: history limits, slow watchers, replay after restart. The watch
 * semantics every store shares are in {@link ConfigStoreContract}.
 */
class WatchDeliversOrderedEventsAndReplaysTest {
  @TempDir
  Path tmp;

  @Test
  void replayFromBeforeTheKeptHistoryIsExpired() {
    var opts = new LocalConfigStore.Options(true, 3, 100);
    try (var s = new LocalConfigStore(CLOCK, Journal.NONE, opts)) {
      var first = s.create(we("a", "10.0.0.1"));
      for (int i = 0; i < 5; i++) {
        s.create(we("n" + i, "10.0.1." + i));
      }
      assertThatThrownBy(() -> s.watch(WatchOptions.since(first.resourceVersion()), new EventRecorder()))
          .isInstanceOf(StoreException.Expired.class).hasMessageContaining("list and watch again");
      assertThatThrownBy(() -> s.watch(WatchOptions.since("not-a-version"), new EventRecorder()))
          .isInstanceOf(StoreException.class).hasMessageContaining("is not one of this store's versions");
    }
  }

  @Test
  void aSlowWatcherIsClosedInsteadOfBlockingWriters() throws Exception {
    var opts = new LocalConfigStore.Options(true, 1000, 4);
    try (var s = new LocalConfigStore(CLOCK, Journal.NONE, opts)) {
      CountDownLatch release = new CountDownLatch(1);
      var rec = new EventRecorder() {
        @Override
        public void onEvent(WatchEvent e) {
          super.onEvent(e);
          try {
            release.await();
          } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
          }
        }
      };
      var fast = new EventRecorder();
      s.watch(WatchOptions.since(s.resourceVersion()), rec);
      s.watch(WatchOptions.since(s.resourceVersion()), fast);
      for (int i = 0; i < 20; i++) {
        s.create(we("n" + i, "10.0.1." + i)); // never blocks, though rec is stuck on its first event
      }
      release.countDown();
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.closedWith.get() != null);
      assertThat(rec.closedWith.get()).isInstanceOf(StoreException.Expired.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> fast.events.size() == 20 || fast.closedWith.get() != null);
    }
  }

  @Test
  void durableStoreReplaysHistoryAfterRestart() {
    Path dir = tmp.resolve("data");
    String before;
    try (var s = ConfigStores.durable(dir, CLOCK)) {
      s.create(we("a", "10.0.0.1"));
      before = s.resourceVersion();
      var b = s.create(we("b", "10.0.0.2"));
      s.delete(b.key(), Preconditions.NONE);
    }
    try (var s = ConfigStores.durable(dir, CLOCK)) {
      var rec = new EventRecorder();
      s.watch(WatchOptions.since(before), rec);
      s.create(we("c", "10.0.0.3"));
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.events.size() == 3);
      assertThat(rec.events).containsExactly("ADDED b", "DELETED b", "ADDED c");
    }
  }
}
