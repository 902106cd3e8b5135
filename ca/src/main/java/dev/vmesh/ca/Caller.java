package dev.vmesh.ca;

import dev.vmesh.pki.SpiffeId;


/**
 * {@code Caller} is an authenticated peer: its proven identity, how it proved it, and the bootstrap
 * token its credentials descend from (empty when unknown).
 */
public record Caller(SpiffeId identity, Method method, String originToken, BootstrapTokens.Claim token) {

  /** How the caller proved who it is. */
  public enum Method {
    CERTIFICATE,
    BOOTSTRAP_TOKEN,
    /** A Kubernetes service-account token, reviewed by the API server (TokenReview). */
    KUBERNETES_TOKEN
  }
}
