package dev.vmesh.store.kube;

import static dev.vmesh.store.kube.Objects.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchOptions;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * When the API server ends an informer's watch with 410 Gone (its resourceVersion was compacted away),
 * the changes in between are lost to the watch: the store closes its open watches with Expired, lists
 * again, and a caller that watches again from the current state sees what it missed.
 */
class GoneWatchExpiresAndRelistRecoversAgainstTheKubernetesMockTest {

  @Test
  void goneBecomesExpiredAndWatchingAgainSeesTheMissedChange() {
    try (MockCluster cluster = MockCluster.withIstioCrds()) {
      var api = cluster.client.genericKubernetesResources(IstioCrds.context(Kind.WORKLOAD_ENTRY, "v1"));
      var seen = api.inNamespace("ns1").resource(
          WatchDeliversChangesInOrderAgainstTheKubernetesMockTest.raw("ns1", "seen", "10.0.0.1")).create();
      MockCluster.HeldWatch held = cluster.holdNextWatch(Kind.WORKLOAD_ENTRY);
      try (KubeConfigStore store = cluster.store()) {
        Recorder first = new Recorder();
        Recorder groupsOnly = new Recorder();
        try (Watch w = store.watch(WatchOptions.fromCurrentState(), first);
            Watch g = store.watch(new WatchOptions(Set.of(Kind.WORKLOAD_GROUP), null, null), groupsOnly)) {
          await().until(() -> first.synced() && groupsOnly.synced());
          // written while the informer's watch is stuck: the store cannot know
          api.inNamespace("ns1").resource(WatchDeliversChangesInOrderAgainstTheKubernetesMockTest.raw("ns1", "missed", "10.0.0.2"))
              .create();

          held.expire();

          await().until(() -> first.closedWith.get() != null);
          assertThat(first.closedWith.get()).isInstanceOf(StoreException.Expired.class)
              .hasMessageContaining("410 Gone").hasMessageContaining("list and watch again");
          // a watch of WorkloadGroups only lost nothing and goes on
          store.create(Objects.wg("ns1", "wg-after-gone"));
          await().until(() -> groupsOnly.changes().contains("ADDED wg-after-gone"));
          assertThat(groupsOnly.closedWith.get()).isNull();
        }
        // the caller lists again, as RegistryController does
        await().until(() -> store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items().size() == 2);
        Recorder again = new Recorder();
        try (Watch w = store.watch(WatchOptions.fromCurrentState(), again)) {
          await().until(again::synced);
          assertThat(again.events.stream().filter(e -> e.type() == WatchEvent.Type.ADDED
              && e.object().kind() == Kind.WORKLOAD_ENTRY).map(e -> e.object().name()))
              .containsExactlyInAnyOrder("seen", "missed");
          // history from before the gap is gone: resuming from it is refused, not silently incomplete
          assertThatThrownBy(() -> store.watch(WatchOptions.since(seen.getMetadata().getResourceVersion()),
              new Recorder()))
              .isInstanceOf(StoreException.Expired.class).hasMessageContaining("too old");
          // and live changes flow again
          store.create(we("ns1", "after", "10.0.0.3"));
          await().until(() -> again.changes().contains("ADDED after"));
        }
      }
    }
  }
}
