package dev.vmesh.store.kube;

import static dev.vmesh.store.kube.Objects.we;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.store.Preconditions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every update, status write and delete names the resourceVersion it is based on, so that the API
 * server refuses it (409) if the object changed meanwhile. The mock enforces this only for updates;
 * the test checks that the requests carry it, which is what a real API server enforces.
 */
class WritesCarryTheirPreconditionsAgainstTheKubernetesMockTest {

  @Test
  void updatesStatusWritesAndDeletesSendTheVersionTheyAreBasedOn() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      Resource v1 = store.create(we("ns1", "vm1", "10.0.0.1"));
      Resource v2 = store.update(v1.withSpec(WorkloadEntrySpec.of("10.0.0.2", Map.of())));
      Resource v3 = store.updateStatus(v2.withStatus(v2.status().withConditions(
          List.of(new Condition("Healthy", "True", null, null, "", "", 0)))));
      store.delete(v3.key(), Preconditions.resourceVersion(v3.resourceVersion()));

      String base = "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries/vm1";
      assertThat(cluster.writes).filteredOn(w -> w.startsWith("PUT " + base + " "))
          .singleElement().asString().contains("\"resourceVersion\":\"" + v1.resourceVersion() + "\"");
      assertThat(cluster.writes).filteredOn(w -> w.startsWith("PUT " + base + "/status "))
          .singleElement().asString().contains("\"resourceVersion\":\"" + v2.resourceVersion() + "\"");
      assertThat(cluster.writes).filteredOn(w -> w.startsWith("DELETE " + base))
          .singleElement().asString()
          .contains("\"preconditions\":{\"resourceVersion\":\"" + v3.resourceVersion() + "\"}");
    }
  }
}
