package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.proto.ca.IstioCertificateRequest;
import dev.vmesh.proto.ca.IstioCertificateResponse;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every certificate the CA issues is counted by credential, and every refusal by its reason. */
class CertificatesAreCountedByCredentialAndRefusalReasonTest {
  @TempDir
  Path dir;

  CaService service;

  /** A call as gRPC makes it: the credentials in the call's context; throws the refusal. */
  void call(IstioCertificateRequest req, X509Certificate[] peer, String bearer) throws Exception {
    var failure = new AtomicReference<Throwable>();
    Context.current().withValues(PeerCredentials.PEER_CERTIFICATES, peer, PeerCredentials.BEARER_TOKEN, bearer)
        .run(() -> service.createCertificate(req, new StreamObserver<>() {
          @Override
          public void onNext(IstioCertificateResponse r) {}

          @Override
          public void onError(Throwable t) {
            failure.set(t);
          }

          @Override
          public void onCompleted() {}
        }));
    if (failure.get() != null) {
      throw (Exception) failure.get();
    }
  }

  @Test
  void issuedAndRefusedAreCounted() throws Exception {
    var clock = new CertificatesOnlyForTheProvenIdentityTest.MovableClock();
    var ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", clock);
    var tokens = BootstrapTokens.open(dir.resolve("tokens"), clock);
    CaMetrics metrics = CaMetrics.unregistered();
    service = new CaService(ca, new Authenticator("cluster.local", tokens), metrics);
    var good = IstioCertificateRequest.newBuilder().setCsr(CertificatesOnlyForTheProvenIdentityTest.csr(
        "spiffe://cluster.local/ns/ns1/sa/vm")).build();
    var other = IstioCertificateRequest.newBuilder().setCsr(CertificatesOnlyForTheProvenIdentityTest.csr(
        "spiffe://cluster.local/ns/ns1/sa/db")).build();

    var once = tokens.issue("ns1", "vm", Duration.ofHours(1), true);
    var revoked = tokens.issue("ns1", "vm", Duration.ofHours(1), false);
    tokens.ledger().revoke(revoked.id());
    var expiring = tokens.issue("ns1", "vm", Duration.ofMinutes(1), false);
    var leaf = CertificatesOnlyForTheProvenIdentityTest.leaf(service.issue(good, null, once.jwt()));
    clock.advance(Duration.ofMinutes(5));
    call(good, new X509Certificate[] {leaf}, null);

    assertThatThrownBy(() -> call(good, null, once.jwt())).hasMessageContaining("already used");
    assertThatThrownBy(() -> call(good, null, revoked.jwt())).hasMessageContaining("revoked");
    assertThatThrownBy(() -> call(good, null, expiring.jwt())).hasMessageContaining("expired");
    assertThatThrownBy(() -> call(good, null, "not.a.token")).hasMessageContaining("not valid");
    assertThatThrownBy(() -> call(good, null, null)).hasMessageContaining("no credentials");
    var multi = tokens.issue("ns1", "vm", Duration.ofHours(1), false);
    assertThatThrownBy(() -> call(other, null, multi.jwt())).hasMessageContaining("csr asks for");

    assertThat(metrics.issued.labelValues("bootstrap_token").get()).isEqualTo(1);
    assertThat(metrics.issued.labelValues("certificate").get()).isEqualTo(1);
    for (String reason : new String[] {"token_spent", "token_revoked", "token_expired", "token_invalid",
        "no_credentials", "csr_identity"}) {
      assertThat(metrics.refused.labelValues(reason).get()).as(reason).isEqualTo(1);
    }
  }
}
