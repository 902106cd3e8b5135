package dev.vmesh.ca;

import java.util.List;
import java.util.Objects;

/**
 * {@code TokenReviewer} asks a Kubernetes API server about a bearer token (a TokenReview,
 * {@code authentication.k8s.io/v1}): is it valid for these audiences, and whose is it. vmesh never
 * reads the answer out of the token itself.
 */
@FunctionalInterface
public interface TokenReviewer {

  /** The API server's verdict on {@code token} reviewed for {@code audiences}; throws if it could not be asked. */
  Review review(String token, List<String> audiences) throws Exception;

  /** The status of a TokenReview. */
  record Review(boolean authenticated, String username, List<String> groups, List<String> audiences, String error) {
    public Review {
      username = Objects.requireNonNullElse(username, "");
      groups = groups == null ? List.of() : List.copyOf(groups);
      audiences = audiences == null ? List.of() : List.copyOf(audiences);
      error = Objects.requireNonNullElse(error, "");
    }
  }
}
