package dev.vmesh.ca;

import dev.vmesh.pki.SpiffeId;
import java.util.List;

/**
 * {@code KubernetesTokens} accepts Kubernetes service-account tokens the way istiod does: the API
 * server must review the token as authenticated for the audience {@value #AUDIENCE}, confirm that
 * audience, and name a service account ({@code system:serviceaccount:NS:SA}, in the group
 * {@code system:serviceaccounts}); the caller is then {@code spiffe://<trust domain>/ns/NS/sa/SA}.
 */
public final class KubernetesTokens {
  /** The audience Istio's CA asks tokens to be issued for. */
  public static final String AUDIENCE = "istio-ca";
  private static final String PREFIX = "system:serviceaccount:";
  private static final String SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts";

  private final String trustDomain;
  private final TokenReviewer reviewer;

  public KubernetesTokens(String trustDomain, TokenReviewer reviewer) {
    this.trustDomain = trustDomain;
    this.reviewer = reviewer;
  }

  /** The workload identity {@code jwt} proves; {@link BootstrapTokens.InvalidTokenException} says why not. */
  public SpiffeId verify(String jwt) {
    TokenReviewer.Review r;
    try {
      r = reviewer.review(jwt, List.of(AUDIENCE));
    } catch (Exception e) {
      throw new BootstrapTokens.InvalidTokenException("the Kubernetes TokenReview could not be made: " + e.getMessage());
    }
    if (!r.authenticated()) {
      throw new BootstrapTokens.InvalidTokenException("Kubernetes did not authenticate the token"
          + (r.error().isEmpty() ? "" : ": " + r.error()));
    }
    if (!r.audiences().contains(AUDIENCE)) {
      throw new BootstrapTokens.InvalidTokenException("the Kubernetes token is not for audience " + AUDIENCE
          + " (reviewed audiences: " + r.audiences() + "); request one with that audience");
    }
    if (!r.groups().contains(SERVICE_ACCOUNTS_GROUP) || !r.username().startsWith(PREFIX)) {
      throw new BootstrapTokens.InvalidTokenException("the Kubernetes token belongs to \"" + r.username()
          + "\", not to a service account");
    }
    String[] parts = r.username().substring(PREFIX.length()).split(":", -1);
    if (parts.length != 2) {
      throw new BootstrapTokens.InvalidTokenException("the Kubernetes token's user \"" + r.username()
          + "\" is not system:serviceaccount:NAMESPACE:NAME");
    }
    try {
      return new SpiffeId(trustDomain, parts[0], parts[1]);
    } catch (IllegalArgumentException e) {
      throw new BootstrapTokens.InvalidTokenException("the Kubernetes token's user: " + e.getMessage());
    }
  }
}
