package dev.vmesh.ca;

import dev.vmesh.pki.SpiffeId;
import io.grpc.Status;
import io.grpc.StatusException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Authenticator} decides who a caller is, in order: a client certificate from this CA (already
 * verified against the trust bundle by TLS) carrying one workload SPIFFE id of this trust domain and not
 * descending from a revoked bootstrap token; else a valid bootstrap token (a single-use one not spent yet;
 * {@link #spend} spends it); else, when the server runs on
 * Kubernetes, a service-account token the API server vouches for ({@link KubernetesTokens}). Anything
 * else is refused with a status that says what to present.
 */
public final class Authenticator {
  private final String trustDomain;
  private final BootstrapTokens tokens;
  private final KubernetesTokens kubernetes;

  public Authenticator(String trustDomain, BootstrapTokens tokens) {
    this(trustDomain, tokens, null);
  }

  /** {@code kubernetes} (or null) also accepts Kubernetes service-account tokens. */
  public Authenticator(String trustDomain, BootstrapTokens tokens, KubernetesTokens kubernetes) {
    this.trustDomain = trustDomain;
    this.tokens = tokens;
    this.kubernetes = kubernetes;
  }

  public Caller authenticate(X509Certificate[] peer, String bearer) throws StatusException {
    return authenticate(peer, bearer, null);
  }

  /** What the caller presented, as {@link PeerCredentials} captured it in the current call. */
  public Caller authenticateCurrentCall() throws StatusException {
    return authenticate(PeerCredentials.PEER_CERTIFICATES.get(), PeerCredentials.BEARER_TOKEN.get(),
        PeerCredentials.OTHER_AUTHORIZATION.get());
  }

  /**
   * {@code otherAuthorization} is the first word of an {@code authorization} header that is not
   * {@code Bearer <token>} (or null): a credential that was sent is reported as refused, never as missing.
   */
  public Caller authenticate(X509Certificate[] peer, String bearer, String otherAuthorization) throws StatusException {
    if (peer != null && peer.length > 0) {
      return fromCertificate(peer[0]);
    }
    if (bearer != null) {
      try {
        BootstrapTokens.Claim c = tokens.verify(bearer);
        return new Caller(new SpiffeId(trustDomain, c.namespace(), c.serviceAccount()), Caller.Method.BOOTSTRAP_TOKEN,
            c.id(), c);
      } catch (BootstrapTokens.InvalidTokenException | IllegalArgumentException e) {
        if (kubernetes == null) {
          throw new RefusedException(kind(e), Status.UNAUTHENTICATED.withDescription(e.getMessage()));
        }
        try {
          return new Caller(kubernetes.verify(bearer), Caller.Method.KUBERNETES_TOKEN, "", null);
        } catch (BootstrapTokens.InvalidTokenException k) {
          throw new RefusedException("token_invalid", Status.UNAUTHENTICATED.withDescription(
              "the bearer token is neither a vmesh bootstrap token ("
              + e.getMessage() + ") nor an accepted Kubernetes service-account token (" + k.getMessage() + ")"));
        }
      }
    }
    if (otherAuthorization != null) {
      throw new RefusedException("bad_authorization", Status.UNAUTHENTICATED.withDescription(
          "the authorization header was refused: it is '"
          + otherAuthorization + " ...', not 'Bearer <token>'; send 'authorization: Bearer <bootstrap token>'"
          + " (vmesh token create) or a client certificate issued by this CA"));
    }
    throw new RefusedException("no_credentials", Status.UNAUTHENTICATED.withDescription(
        "no credentials: present a client certificate issued by this CA, "
        + "or 'authorization: Bearer <bootstrap token>' (vmesh token create)"
        + (kubernetes == null ? "" : " or a Kubernetes service-account token for audience "
            + KubernetesTokens.AUDIENCE)));
  }

  private Caller fromCertificate(X509Certificate leaf) throws StatusException {
    List<String> uris = new ArrayList<>();
    try {
      var sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(6).equals(san.get(0))) {
            uris.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      throw new RefusedException("certificate_invalid", Status.UNAUTHENTICATED.withDescription(
          "client certificate cannot be read: " + e.getMessage()));
    }
    if (uris.size() != 1) {
      throw new RefusedException("certificate_invalid", Status.UNAUTHENTICATED.withDescription(
          "client certificate must carry exactly one SPIFFE id, it has " + uris.size()));
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(uris.get(0));
    } catch (IllegalArgumentException e) {
      throw new RefusedException("certificate_invalid", Status.UNAUTHENTICATED.withDescription(
          "client certificate: " + e.getMessage()));
    }
    if (!id.trustDomain().equals(trustDomain)) {
      throw new RefusedException("certificate_foreign", Status.PERMISSION_DENIED.withDescription(
          "client certificate is for trust domain " + id.trustDomain() + ", this CA serves " + trustDomain));
    }
    String origin = CertificateAuthority.originToken(leaf);
    if (!origin.isEmpty() && tokens.ledger().isRevoked(origin)) {
      throw new RefusedException("certificate_revoked", Status.PERMISSION_DENIED.withDescription(
          "client certificate descends from bootstrap token " + origin + ", which was revoked; bootstrap again "
          + "with a new token (vmesh token create, written to the VM's token file)"));
    }
    return new Caller(id, Caller.Method.CERTIFICATE, origin, null);
  }

  /**
   * Spends the single-use bootstrap token {@code caller} presented, if any: the first call a
   * single-use token authenticates (a certificate request or an xDS stream) is its only one. Throws
   * UNAUTHENTICATED when another call spent it first.
   */
  public void spend(Caller caller) throws StatusException {
    if (caller.token() == null) {
      return;
    }
    try {
      tokens.spend(caller.token());
    } catch (BootstrapTokens.InvalidTokenException e) {
      throw new RefusedException(kind(e), Status.UNAUTHENTICATED.withDescription(e.getMessage()));
    }
  }

  private static String kind(RuntimeException e) {
    return e instanceof BootstrapTokens.InvalidTokenException t ? t.kind() : "token_invalid";
  }
}
