package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.store.EventRecorder;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd forgets old revisions when it compacts. A watch asked to start before the compaction fails with
 * Expired, as the SPI says; a running watch whose connection was cut while etcd compacted catches up by
 * listing, and its listener ends with exactly the store's state, told each change once.
 */
@SuppressWarnings("try") // watches closed by try-with-resources, never referenced
class WatchAcrossCompactionLosesAndRepeatsNothingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  private static void compact(long revision) throws Exception {
    etcd.client().getKVClient().compact(revision).get(10, TimeUnit.SECONDS);
  }

  private static long now(EtcdConfigStore s) {
    return Long.parseLong(s.list(ListOptions.all()).resourceVersion());
  }

  private static List<String> names(List<WatchEvent> events) {
    return events.stream().map(e -> e.type() + " " + e.object().name()).toList();
  }

  @Test
  void aWatchFromACompactedVersionIsExpiredAndOneFromTheCompactionPointIsNot() throws Exception {
    try (var s = EtcdConfigStore.connect(etcd.options(), CLOCK)) {
      Resource a = s.create(we("a", "10.0.0.1"));
      Resource b = s.create(we("b", "10.0.0.2"));
      for (int i = 0; i < 3; i++) {
        b = s.update(b.withSpec(WorkloadEntrySpec.of("10.0.1." + i, Map.of())));
      }
      compact(Long.parseLong(b.resourceVersion()));

      assertThatThrownBy(() -> s.watch(WatchOptions.since(a.resourceVersion()), new EventRecorder()))
          .isInstanceOf(StoreException.Expired.class)
          .hasMessageContaining("resourceVersion " + a.resourceVersion() + " is too old")
          .hasMessageContaining("list and watch again");

      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.since(b.resourceVersion()), rec)) {
        s.delete(a.key(), Preconditions.NONE);
        await().atMost(WAIT).until(() -> rec.events.size() == 1);
        assertThat(rec.events).containsExactly("DELETED a");
      }
      assertThatThrownBy(() -> s.watch(WatchOptions.since(Long.toString(now(s) + 1000)), new EventRecorder()))
          .isInstanceOf(StoreException.class).hasMessageContaining("is newer than this store's current version");
    }
  }

  @Test
  void aWatchCutOffWhileEtcdCompactsCatchesUpByListingTheDifference() throws Exception {
    try (var proxy = new TcpProxy(etcd.clientPort())) {
      EtcdOptions direct = etcd.options();
      EtcdOptions viaProxy = EtcdOptions.of(proxy.endpoint()).withKeyPrefix(direct.keyPrefix())
          .withRequestTimeout(Duration.ofSeconds(2));
      try (var other = EtcdConfigStore.connect(direct, CLOCK); var watched = EtcdConfigStore.connect(viaProxy, CLOCK)) {
        Resource keep = other.create(we("keep", "10.0.0.1"));
        Resource change = other.create(we("change", "10.0.0.2"));
        Resource gone = other.create(we("gone", "10.0.0.3"));
        var view = new StateView();
        try (Watch w = watched.watch(WatchOptions.fromCurrentState(), view)) {
          await().atMost(WAIT).until(() -> view.objects.size() == 3);

          proxy.cut();
          assertThatThrownBy(() -> watched.create(we("refused", "10.0.0.9")))
              .isInstanceOf(StoreException.Unavailable.class).hasMessageContaining("etcd at " + proxy.endpoint());
          Resource changed = other.update(change.withSpec(WorkloadEntrySpec.of("10.0.0.22", Map.of())));
          other.delete(gone.key(), Preconditions.NONE);
          Resource added = other.create(we("added", "10.0.0.4"));
          Resource flash = other.create(we("flash", "10.0.0.5"));
          other.delete(flash.key(), Preconditions.NONE);
          compact(now(other));
          int seen = view.events.size();
          proxy.heal();

          await().atMost(WAIT).untilAsserted(() ->
              assertThat(view.versions()).isEqualTo(StateView.versions(other.list(ListOptions.all()).items())));
          List<WatchEvent> caughtUp = view.events.subList(seen, view.events.size());
          assertThat(names(caughtUp)).as("the difference, each once; flash came and went unseen")
              .containsExactly("MODIFIED change", "ADDED added", "DELETED gone");
          assertThat(caughtUp.get(0).object()).isEqualTo(changed);
          assertThat(caughtUp.get(1).object()).isEqualTo(added);

          // and it follows live changes again
          other.delete(keep.key(), Preconditions.NONE);
          await().atMost(WAIT).until(() -> !view.objects.containsKey(keep.key()));
          assertThat(names(view.events.subList(seen + 3, view.events.size()))).containsExactly("DELETED keep");
          assertThat(view.violations).isEmpty();
          assertThat(view.closedWith.get()).isNull();
        }
      }
    }
  }

  @Test
  void aWatchCutOffWithoutCompactionResumesWithEveryChangeInOrder() throws Exception {
    try (var proxy = new TcpProxy(etcd.clientPort())) {
      EtcdOptions direct = etcd.options();
      EtcdOptions viaProxy = EtcdOptions.of(proxy.endpoint()).withKeyPrefix(direct.keyPrefix())
          .withRequestTimeout(Duration.ofSeconds(2));
      try (var other = EtcdConfigStore.connect(direct, CLOCK); var watched = EtcdConfigStore.connect(viaProxy, CLOCK)) {
        Resource a = other.create(we("a", "10.0.0.1"));
        var view = new StateView();
        try (Watch w = watched.watch(WatchOptions.fromCurrentState(), view)) {
          await().atMost(WAIT).until(() -> view.objects.size() == 1);
          int seen = view.events.size();
          proxy.cut();
          Resource a2 = other.update(a.withSpec(WorkloadEntrySpec.of("10.0.0.11", Map.of())));
          Resource b = other.create(we("b", "10.0.0.2"));
          Resource deletedB = other.delete(b.key(), Preconditions.NONE);
          proxy.heal();
          await().atMost(WAIT).until(() -> view.events.size() == seen + 3);
          List<WatchEvent> replayed = view.events.subList(seen, seen + 3);
          assertThat(names(replayed)).containsExactly("MODIFIED a", "ADDED b", "DELETED b");
          assertThat(replayed).extracting(WatchEvent::resourceVersion)
              .containsExactly(a2.resourceVersion(), b.resourceVersion(), deletedB.resourceVersion());
          assertThat(view.violations).isEmpty();
        }
      }
    }
  }
}
