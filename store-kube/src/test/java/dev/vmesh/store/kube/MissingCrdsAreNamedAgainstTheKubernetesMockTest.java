package dev.vmesh.store.kube;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.Kind;
import dev.vmesh.store.StoreException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/** Connecting to a cluster without Istio's CRDs fails with the names of the missing CRDs and how to install them. */
class MissingCrdsAreNamedAgainstTheKubernetesMockTest {

  @Test
  void everyMissingCrdIsNamed() {
    try (MockCluster cluster = MockCluster.empty()) {
      // the CRUD mock answers lists of unknown types with empty lists; a real API server says 404
      for (Kind kind : Kind.values()) {
        for (String v : kind.versions()) {
          cluster.server.expect().get().withPath("/apis/" + kind.group() + "/" + v + "/" + kind.plural() + "?limit=1")
              .andReturn(404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                  + "\"message\":\"the server could not find the requested resource\",\"reason\":\"NotFound\","
                  + "\"code\":404}").always();
        }
      }
      assertThatThrownBy(cluster::store).isInstanceOf(StoreException.Unavailable.class)
          .hasMessageContaining("serviceentries.networking.istio.io, workloadentries.networking.istio.io,"
              + " workloadgroups.networking.istio.io, peerauthentications.security.istio.io,"
              + " gateways.networking.istio.io, virtualservices.networking.istio.io, sidecars.networking.istio.io")
          .hasMessageContaining("install Istio's CRDs");
    }
  }

  @Test
  void anOlderIstioServingOnlyV1beta1IsUsedInThatVersion() {
    try (MockCluster cluster = MockCluster.empty()) {
      for (Kind kind : Kind.values()) {
        cluster.server.expect().get().withPath("/apis/" + kind.group() + "/v1/" + kind.plural() + "?limit=1")
            .andReturn(404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"code\":404}").always();
      }
      try (KubeConfigStore store = cluster.store()) {
        Assertions.assertThat(store.describe()).contains("workloadentries/v1beta1",
            "peerauthentications/v1beta1", "gateways/v1beta1", "virtualservices/v1beta1", "sidecars/v1beta1");
      }
    }
  }
}
