package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadEntrySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit: while one append is on its way to disk, other writers queue; the next leader journals
 * all of them in one append. Nothing is visible before it is durable, and a failed append fails only
 * the writers of that group.
 */
class WritesQueuedDuringACommitShareTheNextOneTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();

  /** A journal that records each append's size, and can hold the next append or make it fail. */
  static final class GateJournal implements Journal {
    final List<List<String>> appends = new CopyOnWriteArrayList<>();
    volatile CountDownLatch entered = new CountDownLatch(1);
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile boolean failNext;

    @Override
    public void append(List<WatchEvent> changes) {
      entered.countDown();
      try {
        if (!gate.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("test gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failNext) {
        failNext = false;
        throw new StoreException.Unavailable("disk full", null);
      }
      appends.add(changes.stream().map(c -> c.object().name() + "@" + c.resourceVersion()).toList());
    }

    @Override
    public Loaded load(int historyLimit) {
      return new Loaded(List.of(), 0, List.of());
    }

    @Override
    public String describe() {
      return "gate";
    }

    @Override
    public void close() {}

    /** Holds the next append until {@link #open()}. */
    void hold() {
      entered = new CountDownLatch(1);
      gate = new CountDownLatch(1);
    }

    void open() {
      gate.countDown();
    }
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  private static ResourceKey key(String name) {
    return new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", name);
  }

  @Test
  void writersQueuedBehindASlowAppendAreJournaledTogetherAndSeenOnlyOnceDurable() throws Exception {
    GateJournal journal = new GateJournal();
    try (var store = new LocalConfigStore(CLOCK, journal, LocalConfigStore.Options.DEFAULTS)) {
      EventRecorder watch = new EventRecorder();
      store.watch(WatchOptions.fromCurrentState(), watch);
      journal.hold();
      Future<Resource> first = pool.submit(() -> store.create(we("first", "10.0.0.1")));
      assertThat(journal.entered.await(30, TimeUnit.SECONDS)).isTrue(); // the leader is inside the append
      List<Future<Resource>> others = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String name = "queued-" + i;
        String ip = "10.0.1." + i;
        others.add(pool.submit(() -> store.create(we(name, ip))));
      }
      await().until(() -> store.queuedChanges() == 4);

      // nothing is visible, or acknowledged, before it is durable
      assertThat(store.get(key("first"))).isEmpty();
      assertThat(store.get(key("queued-0"))).isEmpty();
      assertThat(store.resourceVersion()).isEqualTo("0");
      assertThat(first).isNotDone();
      assertThat(others).noneMatch(Future::isDone);

      journal.open();
      assertThat(first.get(30, TimeUnit.SECONDS).resourceVersion()).isEqualTo("1");
      for (Future<Resource> f : others) {
        Resource r = f.get(30, TimeUnit.SECONDS);
        assertThat(store.get(r.key())).contains(r); // a writer reads its own write once it returns
      }
      assertThat(journal.appends).hasSize(2);
      assertThat(journal.appends.get(0)).containsExactly("first@1");
      assertThat(journal.appends.get(1)).hasSize(4).allMatch(s -> s.startsWith("queued-"));
      assertThat(journal.appends.get(1).stream().map(s -> s.substring(s.indexOf('@') + 1)))
          .containsExactly("2", "3", "4", "5");
      assertThat(store.resourceVersion()).isEqualTo("5");
      await().until(() -> watch.raw.size() == 6); // SYNCED, then the five in revision order
      assertThat(watch.raw.subList(1, 6).stream().map(WatchEvent::resourceVersion))
          .containsExactly("1", "2", "3", "4", "5");
    }
  }

  @Test
  void aFailedAppendFailsItsWritersAndAWriterOfTheSameKeyDecidesAgainOnDurableState() throws Exception {
    GateJournal journal = new GateJournal();
    try (var store = new LocalConfigStore(CLOCK, journal, LocalConfigStore.Options.DEFAULTS)) {
      journal.hold();
      journal.failNext = true;
      Future<Resource> doomed = pool.submit(() -> store.create(we("x", "10.0.0.1")));
      assertThat(journal.entered.await(30, TimeUnit.SECONDS)).isTrue();
      // a second create of the same key waits for the first to be durable before it decides
      Future<Resource> second = pool.submit(() -> store.create(we("x", "10.0.0.2")));
      Future<Resource> unrelated = pool.submit(() -> store.create(we("y", "10.0.0.3")));
      await().until(() -> store.queuedChanges() == 1); // only y: x is held back behind the doomed write
      assertThat(second).isNotDone();

      journal.open();
      assertThatThrownBy(() -> doomed.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(StoreException.Unavailable.class)
          .hasMessageContaining("disk full");
      Resource x = second.get(30, TimeUnit.SECONDS); // the failed create left nothing behind, so this one wins
      assertThat(x.spec(WorkloadEntrySpec.class).address()).isEqualTo("10.0.0.2");
      assertThat(unrelated.get(30, TimeUnit.SECONDS).name()).isEqualTo("y");
      assertThat(store.get(key("x"))).contains(x);
      assertThat(journal.appends).noneMatch(a -> a.contains("x@1"));
      assertThat(Long.parseLong(store.resourceVersion())).isEqualTo(Long.parseLong(x.resourceVersion()));
    }
  }

  @Test
  void closingCommitsWhatIsQueuedAndRefusesLaterWrites() throws Exception {
    GateJournal journal = new GateJournal();
    var store = new LocalConfigStore(CLOCK, journal, LocalConfigStore.Options.DEFAULTS);
    journal.hold();
    Future<Resource> leader = pool.submit(() -> store.create(we("a", "10.0.0.1")));
    assertThat(journal.entered.await(30, TimeUnit.SECONDS)).isTrue();
    Future<Resource> queued = pool.submit(() -> store.create(we("b", "10.0.0.2")));
    await().until(() -> store.queuedChanges() == 1);
    Future<?> closing = pool.submit(store::close); // waits for the append in progress
    journal.open();
    closing.get(30, TimeUnit.SECONDS);
    assertThat(leader.get(30, TimeUnit.SECONDS).name()).isEqualTo("a");
    assertThat(queued.get(30, TimeUnit.SECONDS).name()).isEqualTo("b");
    assertThat(journal.appends).containsExactly(List.of("a@1"), List.of("b@2"));
    assertThatThrownBy(() -> store.create(we("c", "10.0.0.3"))).isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("store is closed");
  }
}
