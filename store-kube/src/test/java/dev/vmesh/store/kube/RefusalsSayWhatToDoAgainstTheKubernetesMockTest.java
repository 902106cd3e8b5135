package dev.vmesh.store.kube;

import static dev.vmesh.store.kube.Objects.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.store.StoreException;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The API server's refusals reach the caller as store errors that say what to do: a missing namespace,
 * missing RBAC rights. (The CRUD mock takes any namespace and any caller, so these answers are
 * programmed, in the shape a real API server gives them.)
 */
class RefusalsSayWhatToDoAgainstTheKubernetesMockTest {
  static final String PATH = "/apis/networking.istio.io/v1/namespaces/%s/workloadentries";

  @Test
  void aMissingNamespaceIsNamedWithHowToCreateIt() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      cluster.server.expect().post().withPath(PATH.formatted("payments")).andReturn(404, """
          {"kind":"Status","apiVersion":"v1","status":"Failure","message":"namespaces \\"payments\\" not found",
           "reason":"NotFound","details":{"name":"payments","kind":"namespaces"},"code":404}""").once();
      assertThatThrownBy(() -> store.create(we("payments", "vm1", "10.0.0.1")))
          .isInstanceOf(StoreException.class)
          .hasMessage("namespace \"payments\" does not exist in the Kubernetes cluster; create it first"
              + " (kubectl create namespace payments)");
    }
  }

  @Test
  void missingRightsNameTheResourcesAndVerbsToGrant() {
    try (MockCluster cluster = MockCluster.withIstioCrds(); KubeConfigStore store = cluster.store()) {
      cluster.server.expect().post().withPath(PATH.formatted("ns1")).andReturn(403, """
          {"kind":"Status","apiVersion":"v1","status":"Failure","message":"workloadentries.networking.istio.io is \
          forbidden: User \\"system:serviceaccount:vmesh-system:vmesh\\" cannot create resource \\"workloadentries\\"",
           "reason":"Forbidden","code":403}""").once();
      StoreException e = Assertions.catchThrowableOfType(StoreException.class,
          () -> store.create(we("ns1", "vm1", "10.0.0.1")));
      assertThat(e.httpStatus()).isEqualTo(403);
      assertThat(e).hasMessageContaining("cannot create resource").hasMessageContaining("give vmesh's service account")
          .hasMessageContaining("workloadentries");
    }
  }
}
