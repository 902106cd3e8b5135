package dev.vmesh.store.kube;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;

/**
 * {@code KubeTokenReviews} asks the API server about a bearer token with a TokenReview
 * ({@code authentication.k8s.io/v1}, the right of the {@code system:auth-delegator} role): the answer
 * says whether the token is valid for the audiences and whose it is.
 */
public final class KubeTokenReviews {
  private final KubernetesClient client;

  public KubeTokenReviews(KubernetesClient client) {
    this.client = client;
  }

  /** The review's status; throws KubernetesClientException (with the server's message) if it could not be made. */
  public TokenReviewStatus review(String token, List<String> audiences) {
    TokenReview request = new TokenReviewBuilder()
        .withNewSpec().withToken(token).withAudiences(audiences).endSpec()
        .build();
    TokenReview answer;
    try {
      answer = client.tokenReviews().create(request);
    } catch (KubernetesClientException e) {
      throw new KubernetesClientException("TokenReview at " + client.getMasterUrl() + " failed: "
          + KubeErrors.message(e) + (e.getCode() == 403 ? "; give vmesh the system:auth-delegator ClusterRole" : ""),
          e);
    }
    return answer.getStatus() == null ? new TokenReviewStatus() : answer.getStatus();
  }
}
