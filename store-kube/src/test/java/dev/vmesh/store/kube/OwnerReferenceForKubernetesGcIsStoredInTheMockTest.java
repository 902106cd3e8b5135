package dev.vmesh.store.kube;

import static dev.vmesh.store.kube.Objects.we;
import static dev.vmesh.store.kube.Objects.wg;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.Resource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A WorkloadEntry owned by its WorkloadGroup (as auto-registration writes it) lands in Kubernetes with
 * the ownerReference Kubernetes' garbage collector follows: the group's apiVersion, kind, name and uid,
 * controller true. The mock server runs no garbage collector, so the test checks the stored object.
 */
class OwnerReferenceForKubernetesGcIsStoredInTheMockTest {

  @Test
  void theEntryCarriesAControllerReferenceToTheGroupsUid() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      Resource group = store.create(wg("ns1", "wg-a"));
      OwnerReference owner = new OwnerReference(group.apiVersion(), Kind.WORKLOAD_GROUP.kindName(), group.name(),
          group.metadata().uid(), true, false);
      Resource entry = we("ns1", "wg-a-10.0.0.1", "10.0.0.1");
      Resource stored = store.create(entry.withMetadata(entry.metadata().withOwnerReferences(List.of(owner))));

      GenericKubernetesResource raw = cluster.client.genericKubernetesResources(
          IstioCrds.context(Kind.WORKLOAD_ENTRY, "v1")).inNamespace("ns1").withName("wg-a-10.0.0.1").get();
      assertThat(raw.getMetadata().getOwnerReferences()).hasSize(1);
      var ref = raw.getMetadata().getOwnerReferences().get(0);
      assertThat(ref.getApiVersion()).isEqualTo("networking.istio.io/v1");
      assertThat(ref.getKind()).isEqualTo("WorkloadGroup");
      assertThat(ref.getName()).isEqualTo("wg-a");
      assertThat(ref.getUid()).isEqualTo(group.metadata().uid()).isNotEmpty();
      assertThat(ref.getController()).isTrue();
      assertThat(stored.metadata().ownerReferences()).containsExactly(owner);

      // an update keeps it
      Resource relabeled = store.update(stored.withMetadata(stored.metadata().withLabels(Map.of("k", "v"))));
      assertThat(relabeled.metadata().ownerReferences()).containsExactly(owner);
    }
  }
}
