package dev.vmesh.ca;

import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.Pem;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import dev.vmesh.proto.ca.IstioCertificateResponse;
import dev.vmesh.proto.ca.IstioCertificateServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.StreamObserver;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code CaService} is {@code istio.v1.auth.IstioCertificateService/CreateCertificate}: it authenticates
 * the caller, checks the CSR and the requested lifetime (default 24 h, at most 90 days), and issues a
 * certificate for the caller's proven identity only. A CSR that asks for another identity is refused
 * rather than silently rewritten, so a misconfigured VM finds out at once.
 */
public final class CaService extends IstioCertificateServiceGrpc.IstioCertificateServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(CaService.class);
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);
  public static final Duration MAX_TTL = Duration.ofDays(90);

  private final CertificateAuthority ca;
  private final Authenticator authenticator;
  private final CaMetrics metrics;

  public CaService(CertificateAuthority ca, Authenticator authenticator) {
    this(ca, authenticator, CaMetrics.unregistered());
  }

  /** As above, counting certificates issued and refused in {@code metrics}. */
  public CaService(CertificateAuthority ca, Authenticator authenticator, CaMetrics metrics) {
    this.ca = ca;
    this.authenticator = authenticator;
    this.metrics = metrics;
  }

  @Override
  public void createCertificate(IstioCertificateRequest req, StreamObserver<IstioCertificateResponse> out) {
    try {
      out.onNext(issue(req, PeerCredentials.PEER_CERTIFICATES.get(), PeerCredentials.BEARER_TOKEN.get(),
          PeerCredentials.OTHER_AUTHORIZATION.get()));
      out.onCompleted();
    } catch (StatusException e) {
      String reason = RefusedException.reasonOf(e);
      metrics.refused.labelValues(reason).inc();
      LOG.warn("event=certificate_refused status={} reason={} detail=\"{}\"", e.getStatus().getCode(), reason,
          String.valueOf(e.getStatus().getDescription()).replace('"', '\'').replaceAll("[\\r\\n]+", " "));
      out.onError(e);
    }
  }

  /** The whole decision, without gRPC plumbing (also used by the fuzz test). */
  IstioCertificateResponse issue(IstioCertificateRequest req, X509Certificate[] peer, String bearer)
      throws StatusException {
    return issue(req, peer, bearer, null);
  }

  private IstioCertificateResponse issue(IstioCertificateRequest req, X509Certificate[] peer, String bearer,
      String otherAuthorization) throws StatusException {
    Caller caller = authenticator.authenticate(peer, bearer, otherAuthorization);
    Duration ttl = ttl(req.getValidityDuration());
    Csrs.Checked csr;
    try {
      csr = Csrs.check(req.getCsr());
    } catch (IllegalArgumentException e) {
      throw new RefusedException("csr_invalid", Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    }
    for (String uri : csr.requestedUris()) {
      if (!uri.equals(caller.identity().uri())) {
        throw new RefusedException("csr_identity", Status.PERMISSION_DENIED.withDescription("csr asks for " + uri
            + " but the caller is proven to be " + caller.identity()
            + "; certificates are only issued for the caller's own identity"));
      }
    }
    authenticator.spend(caller);
    List<X509Certificate> chain = ca.issue(csr.publicKey(), new CertificateAuthority.LeafSpec(
        List.of(caller.identity().uri()), List.of(), List.of(), ttl, caller.originToken()));
    metrics.issued.labelValues(caller.method().name().toLowerCase(Locale.ROOT)).inc();
    LOG.info("event=certificate_issued identity={} method={} ttl={} serial={}", caller.identity(), caller.method(),
        ttl, chain.get(0).getSerialNumber().toString(16));
    IstioCertificateResponse.Builder b = IstioCertificateResponse.newBuilder();
    for (X509Certificate c : chain) {
      b.addCertChain(Pem.certificates(List.of(c)));
    }
    return b.build();
  }

  private static Duration ttl(long seconds) throws StatusException {
    if (seconds <= 0) {
      return DEFAULT_TTL;
    }
    Duration ttl = Duration.ofSeconds(seconds);
    if (ttl.compareTo(MAX_TTL) > 0) {
      throw new RefusedException("ttl_too_long", Status.INVALID_ARGUMENT.withDescription("requested TTL "
          + ttl.toHours() + "h is greater than the max allowed TTL " + MAX_TTL.toDays() + " days"));
    }
    return ttl;
  }
}
