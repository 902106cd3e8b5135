package dev.vmesh.store.kube;

import static dev.vmesh.store.kube.Objects.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchOptions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A watch on the Kubernetes store delivers creates, updates (spec and status) and deletes in the order
 * they happened, whether vmesh or someone else (kubectl) made them, and can resume from a version.
 */
class WatchDeliversChangesInOrderAgainstTheKubernetesMockTest {

  @Test
  void createUpdateStatusDeleteArriveInOrderWithGrowingVersions() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      Recorder rec = new Recorder();
      try (Watch w = store.watch(WatchOptions.fromCurrentState(), rec)) {
        await().until(rec::synced);
        var v1 = store.create(we("ns1", "vm1", "10.0.0.1"));
        var v2 = store.update(v1.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())));
        var v3 = store.updateStatus(v2.withStatus(v2.status().withConditions(
            List.of(new Condition("Healthy", "True", null, null, "", "", 0)))));
        store.delete(v3.key(), Preconditions.resourceVersion(v3.resourceVersion()));

        await().until(() -> rec.changes().size() == 4);
        assertThat(rec.changes()).containsExactly("ADDED vm1", "MODIFIED vm1", "MODIFIED vm1", "DELETED vm1");
        List<WatchEvent> changes = rec.events.subList(rec.events.size() - 4, rec.events.size());
        assertThat(changes.get(1).object().spec(WorkloadEntrySpec.class).address()).isEqualTo("10.0.0.2");
        assertThat(changes.get(2).object().status().condition("Healthy")).isPresent();
        List<Long> versions = changes.subList(0, 3).stream().map(e -> Long.parseLong(e.resourceVersion())).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates();
      }
    }
  }

  @Test
  void changesMadeWithoutVmeshAreDeliveredToo() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      Recorder rec = new Recorder();
      try (Watch w = store.watch(new WatchOptions(Set.of(Kind.WORKLOAD_ENTRY), "ns1", null), rec)) {
        await().until(rec::synced);
        var api = cluster.client.genericKubernetesResources(IstioCrds.context(Kind.WORKLOAD_ENTRY, "v1"));
        api.inNamespace("ns1").resource(raw("ns1", "by-kubectl", "10.1.1.1")).create();
        api.inNamespace("ns2").resource(raw("ns2", "other-namespace", "10.1.1.2")).create();
        api.inNamespace("ns1").withName("by-kubectl").edit(o -> {
          o.getMetadata().setLabels(Map.of("edited", "yes"));
          return o;
        });
        api.inNamespace("ns1").withName("by-kubectl").delete();

        await().until(() -> rec.changes().size() == 3);
        assertThat(rec.changes()).containsExactly("ADDED by-kubectl", "MODIFIED by-kubectl", "DELETED by-kubectl");
        assertThat(rec.events.get(rec.events.size() - 2).object().metadata().labels()).containsEntry("edited", "yes");
        await().until(() -> store.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns2", "other-namespace"))
            .isPresent());
      }
    }
  }

  @Test
  void aWatchResumesAfterTheLastVersionItSaw() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      var a = store.create(we("ns1", "a", "10.0.0.1"));
      store.create(we("ns1", "b", "10.0.0.2"));
      store.update(a.withSpec(WorkloadEntrySpec.of("10.0.0.3", Map.of())));

      Recorder rec = new Recorder();
      try (Watch w = store.watch(WatchOptions.since(a.resourceVersion()), rec)) {
        await().until(() -> rec.events.size() == 2);
        assertThat(rec.changes()).containsExactly("ADDED b", "MODIFIED a");
        assertThat(rec.synced()).isFalse();
      }
    }
  }

  static GenericKubernetesResource raw(String ns, String name, String address) {
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion("networking.istio.io/v1");
    r.setKind("WorkloadEntry");
    r.setMetadata(new ObjectMetaBuilder().withNamespace(ns).withName(name).build());
    r.setAdditionalProperty("spec", Map.of("address", address));
    return r;
  }
}
