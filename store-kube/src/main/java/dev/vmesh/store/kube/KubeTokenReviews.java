package dev.vmesh.store.kube;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import java.util.Objects;

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

  /**
   * A TokenReview's status.
   *
   * @param authenticated whether the token is valid for the audiences asked for
   * @param username whose token it is ({@code system:serviceaccount:NS:SA}); empty if not known
   * @param groups the user's groups
   * @param audiences the audiences the token is valid for, of those asked for
   * @param error why the token is not valid; empty if it is
   */
  public record Review(boolean authenticated, String username, List<String> groups, List<String> audiences,
      String error) {
    public Review {
      username = Objects.requireNonNullElse(username, "");
      groups = groups == null ? List.of() : List.copyOf(groups);
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
      error = Objects.requireNonNullElse(error, "");
    }
  }

  /** The review's status; throws KubernetesClientException (with the server's message) if it could not be made. */
  public Review review(String token, List<String> audiences) {
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
    TokenReviewStatus status = answer.getStatus() == null ? new TokenReviewStatus() : answer.getStatus();
    UserInfo user = status.getUser();
    return new Review(Boolean.TRUE.equals(status.getAuthenticated()), user == null ? "" : user.getUsername(),
        user == null ? null : user.getGroups(), status.getAudiences(), status.getError());
  }
}
