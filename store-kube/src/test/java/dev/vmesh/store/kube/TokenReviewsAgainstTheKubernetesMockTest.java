package dev.vmesh.store.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The TokenReview vmesh sends carries the token and the audience, and the API server's answer (here
 * the mock's, told what to say) comes back as it was given: accepted with the user, or rejected.
 */
class TokenReviewsAgainstTheKubernetesMockTest {
  static final String PATH = "/apis/authentication.k8s.io/v1/tokenreviews";

  @Test
  void anAcceptedReviewReturnsTheUserAndAudiences() throws Exception {
    try (MockCluster cluster = MockCluster.empty()) {
      cluster.server.expect().post().withPath(PATH).andReturn(201, new TokenReviewBuilder()
          .withNewStatus().withAuthenticated(true).withAudiences("istio-ca")
          .withNewUser().withUsername("system:serviceaccount:vm-ns:vm-sa")
          .withGroups("system:serviceaccounts", "system:serviceaccounts:vm-ns", "system:authenticated").endUser()
          .endStatus().build()).once();

      var status = new KubeTokenReviews(cluster.client).review("the-jwt", List.of("istio-ca"));

      assertThat(status.authenticated()).isTrue();
      assertThat(status.username()).isEqualTo("system:serviceaccount:vm-ns:vm-sa");
      assertThat(status.audiences()).containsExactly("istio-ca");
      TokenReview sent = Serialization.unmarshal(cluster.server.getLastRequest().getBody().readUtf8(), TokenReview.class);
      assertThat(sent.getSpec().getToken()).isEqualTo("the-jwt");
      assertThat(sent.getSpec().getAudiences()).containsExactly("istio-ca");
    }
  }

  @Test
  void aRejectedReviewSaysWhy() {
    try (MockCluster cluster = MockCluster.empty()) {
      cluster.server.expect().post().withPath(PATH).andReturn(201, new TokenReviewBuilder()
          .withNewStatus().withAuthenticated(false).withError("[invalid bearer token, token lookup failed]")
          .endStatus().build()).once();
      var status = new KubeTokenReviews(cluster.client).review("forged", List.of("istio-ca"));
      assertThat(status.authenticated()).isFalse();
      assertThat(status.error()).contains("invalid bearer token");
    }
  }

  @Test
  void aForbiddenReviewNamesTheRoleToGrant() {
    try (MockCluster cluster = MockCluster.empty()) {
      cluster.server.expect().post().withPath(PATH).andReturn(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
          + "\"status\":\"Failure\",\"message\":\"tokenreviews.authentication.k8s.io is forbidden\",\"code\":403}")
          .once();
      assertThatThrownBy(() -> new KubeTokenReviews(cluster.client).review("t", List.of("istio-ca")))
          .isInstanceOf(KubernetesClientException.class).hasMessageContaining("system:auth-delegator");
    }
  }
}
