package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.WorkloadEntrySpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatchDeliversOrderedEventsAndReplaysTest {
  @TempDir
  Path tmp;

  /** Records events as "TYPE name@rv" strings. */
  static class Recorder implements WatchListener {
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<WatchEvent> raw = new CopyOnWriteArrayList<>();
    final AtomicReference<StoreException> closedWith = new AtomicReference<>();

    @Override
    public void onEvent(WatchEvent e) {
      raw.add(e);
      events.add(e.type() + (e.object() == null ? "" : " " + e.object().name()));
    }

    @Override
    public void onClose(StoreException cause) {
      closedWith.set(cause);
    }
  }

  @Test
  void currentStateComesFirstThenSyncedThenLiveChangesInOrder() {
    try (var s = ConfigStores.memory(CLOCK)) {
      s.create(we("a", "10.0.0.1"));
      s.create(we("b", "10.0.0.2"));
      var rec = new Recorder();
      try (var w = s.watch(WatchOptions.fromCurrentState(), rec)) {
        var c = s.create(we("c", "10.0.0.3"));
        s.update(c.withSpec(WorkloadEntrySpec.of("10.0.0.4", Map.of())));
        s.delete(c.key(), Preconditions.NONE);
        await().atMost(Duration.ofSeconds(5)).until(() -> rec.events.size() == 6);
        assertThat(rec.events).containsExactly("ADDED a", "ADDED b", "SYNCED", "ADDED c", "MODIFIED c", "DELETED c");
        List<Long> versions = rec.raw.stream().skip(3).map(e -> Long.parseLong(e.resourceVersion())).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates();
        assertThat(rec.raw.get(5).object().resourceVersion()).isEqualTo(rec.raw.get(5).resourceVersion());
      }
    }
  }

  @Test
  void replayFromAVersionDeliversExactlyWhatCameAfterIt() {
    try (var s = ConfigStores.memory(CLOCK)) {
      s.create(we("a", "10.0.0.1"));
      var b = s.create(we("b", "10.0.0.2"));
      s.create(we("c", "10.0.0.3"));
      s.create(Fixtures.se("ns1", "svc", "svc.example.com"));
      var rec = new Recorder();
      try (var w = s.watch(new WatchOptions(Set.of(Kind.WORKLOAD_ENTRY), null, b.resourceVersion()), rec)) {
        s.delete(b.key(), Preconditions.NONE);
        await().atMost(Duration.ofSeconds(5)).until(() -> rec.events.size() == 2);
        assertThat(rec.events).containsExactly("ADDED c", "DELETED b");
      }
    }
  }

  @Test
  void replayFromBeforeTheKeptHistoryIsExpired() {
    var opts = new LocalConfigStore.Options(true, 3, 100);
    try (var s = new LocalConfigStore(CLOCK, Journal.NONE, opts)) {
      var first = s.create(we("a", "10.0.0.1"));
      for (int i = 0; i < 5; i++) {
        s.create(we("n" + i, "10.0.1." + i));
      }
      assertThatThrownBy(() -> s.watch(WatchOptions.since(first.resourceVersion()), new Recorder()))
          .isInstanceOf(StoreException.Expired.class).hasMessageContaining("list and watch again");
      assertThatThrownBy(() -> s.watch(WatchOptions.since("not-a-version"), new Recorder()))
          .isInstanceOf(StoreException.class).hasMessageContaining("is not one of this store's versions");
    }
  }

  @Test
  void aSlowWatcherIsClosedInsteadOfBlockingWriters() throws Exception {
    var opts = new LocalConfigStore.Options(true, 1000, 4);
    try (var s = new LocalConfigStore(CLOCK, Journal.NONE, opts)) {
      CountDownLatch release = new CountDownLatch(1);
      var rec = new Recorder() {
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
      var fast = new Recorder();
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
  void aFailingListenerDoesNotEndTheWatch() {
    try (var s = ConfigStores.memory(CLOCK)) {
      var seen = new CopyOnWriteArrayList<String>();
      s.watch(WatchOptions.since(s.resourceVersion()), e -> {
        seen.add(e.object().name());
        if (e.object().name().equals("a")) {
          throw new IllegalStateException("listener bug");
        }
      });
      s.create(we("a", "10.0.0.1"));
      s.create(we("b", "10.0.0.2"));
      await().atMost(Duration.ofSeconds(5)).until(() -> seen.size() == 2);
    }
  }

  @Test
  void closingTheStoreTellsWatchers() {
    var s = ConfigStores.memory(CLOCK);
    var rec = new Recorder();
    s.watch(WatchOptions.fromCurrentState(), rec);
    s.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> rec.closedWith.get() != null);
    assertThat(rec.closedWith.get()).isInstanceOf(StoreException.Unavailable.class);
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
      var rec = new Recorder();
      s.watch(WatchOptions.since(before), rec);
      s.create(we("c", "10.0.0.3"));
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.events.size() == 3);
      assertThat(rec.events).containsExactly("ADDED b", "DELETED b", "ADDED c");
    }
  }
}
