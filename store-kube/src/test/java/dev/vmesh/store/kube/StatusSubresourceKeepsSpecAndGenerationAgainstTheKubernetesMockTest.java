package dev.vmesh.store.kube;

import static dev.vmesh.store.kube.Objects.we;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * Status goes through the status subresource: a status write changes neither spec nor generation on
 * the API server, and a spec update neither loses nor sets status. Only spec changes count in generation.
 */
class StatusSubresourceKeepsSpecAndGenerationAgainstTheKubernetesMockTest {

  @Test
  void statusWritesLeaveSpecAndGenerationAlone() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      Resource v1 = store.create(we("ns1", "vm1", "10.0.0.1"));
      ResourceStatus healthy = v1.status().withConditions(List.of(
          new Condition("Healthy", "True", Instant.parse("2026-11-26T01:02:03.123456789Z"), null, "", "", 0)));
      // a status write carrying a different spec: the spec part is not written
      Resource v2 = store.updateStatus(v1.withSpec(WorkloadEntrySpec.of("10.9.9.9", Map.of())).withStatus(healthy));

      GenericKubernetesResource onServer = server(cluster, "vm1");
      assertThat(onServer.getMetadata().getGeneration()).isEqualTo(1);
      assertThat(onServer.getAdditionalProperties().get("spec")).isEqualTo(Map.of("address", "10.0.0.1",
          "labels", Map.of("app", "a")));
      assertThat(v2.status()).isEqualTo(healthy);
      assertThat(v2.metadata().generation()).isEqualTo(1);
      assertThat(Long.parseLong(v2.resourceVersion())).isGreaterThan(Long.parseLong(v1.resourceVersion()));

      // an update carrying another status: spec changes (generation 2), the stored status stays
      Resource v3 = store.update(v2.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())).withStatus(ResourceStatus.EMPTY));
      assertThat(v3.metadata().generation()).isEqualTo(2);
      assertThat(v3.status()).isEqualTo(healthy);
      assertThat(server(cluster, "vm1").getAdditionalProperties()).containsKey("status");

      // labels only: same generation; the same status again: nothing is written
      Resource v4 = store.update(v3.withMetadata(v3.metadata().withLabels(Map.of("x", "y"))));
      assertThat(v4.metadata().generation()).isEqualTo(2);
      assertThat(store.updateStatus(v4).resourceVersion()).isEqualTo(v4.resourceVersion());
      assertThat(server(cluster, "vm1").getMetadata().getResourceVersion()).isEqualTo(v4.resourceVersion());
    }
  }

  @Test
  void aStatusTheKindCannotHaveIsRefusedBeforeItReachesTheCluster() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      Resource v1 = store.create(we("ns1", "vm1", "10.0.0.1"));
      // status.addresses belongs to ServiceEntries
      Assertions.assertThatThrownBy(() -> store.updateStatus(v1.withStatus(v1.status()
              .withAddresses(List.of(new ResourceStatus.HostAddress("240.240.0.9", "x"))))))
          .isInstanceOf(StoreException.Invalid.class).hasMessageContaining("status.addresses");
      assertThat(server(cluster, "vm1").getAdditionalProperties()).doesNotContainKey("status");
    }
  }

  private static GenericKubernetesResource server(MockCluster cluster, String name) {
    return cluster.client.genericKubernetesResources(IstioCrds.context(Kind.WORKLOAD_ENTRY, "v1")).inNamespace("ns1")
        .withName(name).get();
  }
}
