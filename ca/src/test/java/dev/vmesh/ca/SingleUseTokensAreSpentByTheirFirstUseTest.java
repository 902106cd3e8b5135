package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.proto.ca.IstioCertificateRequest;
import io.grpc.Status;
import io.grpc.StatusException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A single-use token authorizes one call, whatever it is: the first certificate request or the first
 * xDS stream (which authenticates and then {@link Authenticator#spend}s, as the TLS port's interceptor
 * does). After that every use is refused, saying how to write a new token.
 */
class SingleUseTokensAreSpentByTheirFirstUseTest {
  @TempDir
  Path dir;

  CertificateAuthority ca;
  BootstrapTokens tokens;
  Authenticator authenticator;
  CaService service;

  @BeforeEach
  void setUp() throws Exception {
    var clock = new CertificatesOnlyForTheProvenIdentityTest.MovableClock();
    ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", clock);
    tokens = BootstrapTokens.open(dir.resolve("tokens"), clock);
    authenticator = new Authenticator("cluster.local", tokens);
    service = new CaService(ca, authenticator);
  }

  private void certificate(String token) throws StatusException {
    service.issue(IstioCertificateRequest.newBuilder().setCsr(CertificatesOnlyForTheProvenIdentityTest.csr(
        "spiffe://cluster.local/ns/ns1/sa/vm")).build(), null, token);
  }

  /** What opening an xDS stream does with the caller's credentials. */
  private void xdsStream(String token) throws StatusException {
    authenticator.spend(authenticator.authenticate(null, token));
  }

  @Test
  void anXdsStreamSpendsItSoNoCertificateFollows() throws Exception {
    var once = tokens.issue("ns1", "vm", Duration.ofHours(1), true);
    xdsStream(once.jwt());
    assertThatThrownBy(() -> certificate(once.jwt())).isInstanceOf(StatusException.class)
        .hasMessageContaining("UNAUTHENTICATED: bootstrap token " + once.id() + " for ns1/vm is single-use and was "
            + "already used").hasMessageContaining("vmesh token create -n ns1 -s vm");
    assertThatThrownBy(() -> xdsStream(once.jwt())).hasMessageContaining("already used");
    assertThat(tokens.ledger().list()).singleElement().satisfies(t -> assertThat(t.used()).isTrue());
  }

  @Test
  void aCertificateSpendsItSoNoXdsStreamFollows() throws Exception {
    var once = tokens.issue("ns1", "vm", Duration.ofHours(1), true);
    certificate(once.jwt());
    assertThatThrownBy(() -> authenticator.authenticate(null, once.jwt())).isInstanceOf(StatusException.class)
        .hasMessageContaining("is single-use and was already used");
  }

  @Test
  void aTokenThatIsNotSingleUseKeepsWorking() throws Exception {
    var many = tokens.issue("ns1", "vm", Duration.ofHours(1), false);
    xdsStream(many.jwt());
    certificate(many.jwt());
    xdsStream(many.jwt());
    certificate(many.jwt());
  }

  @Test
  void anAuthorizationHeaderThatIsNotABearerTokenIsReportedAsRefusedNotMissing() {
    assertThatThrownBy(() -> authenticator.authenticate(null, null, "Basic"))
        .satisfies(e -> assertThat(((StatusException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("the authorization header was refused: it is 'Basic ...', not 'Bearer <token>'")
        .hasMessageNotContaining("no credentials");
    assertThatThrownBy(() -> authenticator.authenticate(null, null, null)).hasMessageContaining("no credentials");
  }
}
