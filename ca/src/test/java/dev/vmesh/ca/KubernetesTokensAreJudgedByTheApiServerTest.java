package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.StatusException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a TokenReviewer (the server runs on Kubernetes), the CA accepts a service-account token only as
 * the API server judges it: authenticated, for audience istio-ca, a service account; the certificate is
 * for spiffe://TD/ns/NS/sa/SA from the review, whatever the token itself claims.
 */
class KubernetesTokensAreJudgedByTheApiServerTest {
  @TempDir
  Path dir;

  final AtomicReference<TokenReviewer.Review> answer = new AtomicReference<>();
  final List<List<String>> askedAudiences = new ArrayList<>();
  BootstrapTokens tokens;
  CaService service;

  /** A token whose payload claims to be ns "kube-system", sa "admin"; unsigned: only the review counts. */
  static final String TOKEN = "eyJhbGciOiJub25lIn0."
      + Base64.getUrlEncoder().withoutPadding().encodeToString(("{\"sub\":\"system:serviceaccount:kube-system:admin\","
          + "\"aud\":[\"istio-ca\"],\"kubernetes.io\":{\"namespace\":\"kube-system\"}}").getBytes(StandardCharsets.UTF_8))
      + ".c2ln";

  @BeforeEach
  void setUp() throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", Clock.systemUTC());
    tokens = BootstrapTokens.open(dir.resolve("tokens"), Clock.systemUTC());
    TokenReviewer reviewer = (token, audiences) -> {
      askedAudiences.add(audiences);
      if (answer.get() == null) {
        throw new IOException("connection refused");
      }
      return answer.get();
    };
    service = new CaService(ca, new Authenticator("cluster.local", tokens, new KubernetesTokens("cluster.local",
        reviewer)));
  }

  static TokenReviewer.Review accepted(String username, List<String> audiences) {
    return new TokenReviewer.Review(true, username, List.of("system:serviceaccounts", "system:authenticated"),
        audiences, "");
  }

  X509Certificate issue(String uri, String token) throws StatusException {
    var r = service.issue(CertificatesOnlyForTheProvenIdentityTest.request(CertificatesOnlyForTheProvenIdentityTest.csr(
        uri), 0), null, token);
    return CertificatesOnlyForTheProvenIdentityTest.leaf(r);
  }

  @Test
  void anAcceptedTokenGetsTheReviewedIdentityNotTheClaimedOne() throws Exception {
    answer.set(accepted("system:serviceaccount:vm-ns:vm-sa", List.of("istio-ca")));
    X509Certificate leaf = issue("spiffe://cluster.local/ns/vm-ns/sa/vm-sa", TOKEN);
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://cluster.local/ns/vm-ns/sa/vm-sa"));
    assertThat(askedAudiences).containsOnly(List.of("istio-ca"));
    // what the token's payload claims gets nothing
    assertThatThrownBy(() -> issue("spiffe://cluster.local/ns/kube-system/sa/admin", TOKEN))
        .hasMessageContaining("PERMISSION_DENIED").hasMessageContaining("spiffe://cluster.local/ns/vm-ns/sa/vm-sa");
  }

  @Test
  void aTokenTheApiServerRejectsIsRefused() {
    answer.set(new TokenReviewer.Review(false, "", List.of(), List.of(), "token has expired"));
    assertThatThrownBy(() -> issue("spiffe://cluster.local/ns/vm-ns/sa/vm-sa", TOKEN))
        .hasMessageContaining("UNAUTHENTICATED").hasMessageContaining("Kubernetes did not authenticate the token: "
            + "token has expired");
  }

  @Test
  void aTokenWithoutTheIstioCaAudienceIsRefused() {
    answer.set(accepted("system:serviceaccount:vm-ns:vm-sa", List.of("https://kubernetes.default.svc")));
    assertThatThrownBy(() -> issue("spiffe://cluster.local/ns/vm-ns/sa/vm-sa", TOKEN))
        .hasMessageContaining("UNAUTHENTICATED").hasMessageContaining("not for audience istio-ca");
  }

  @Test
  void aUserThatIsNotAServiceAccountIsRefused() {
    answer.set(new TokenReviewer.Review(true, "alice", List.of("system:authenticated"), List.of("istio-ca"), ""));
    assertThatThrownBy(() -> issue("spiffe://cluster.local/ns/vm-ns/sa/vm-sa", TOKEN))
        .hasMessageContaining("belongs to \"alice\", not to a service account");
  }

  @Test
  void anUnreachableApiServerRefusesAndSaysSo() {
    answer.set(null);
    assertThatThrownBy(() -> issue("spiffe://cluster.local/ns/vm-ns/sa/vm-sa", TOKEN))
        .hasMessageContaining("UNAUTHENTICATED").hasMessageContaining("TokenReview could not be made: connection refused");
  }

  @Test
  void bootstrapTokensStillWorkBesideKubernetesTokens() throws Exception {
    String bootstrap = tokens.issue("ns1", "sa1", Duration.ofHours(1), false).jwt();
    X509Certificate leaf = issue("spiffe://cluster.local/ns/ns1/sa/sa1", bootstrap);
    assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, "spiffe://cluster.local/ns/ns1/sa/sa1"));
    assertThat(askedAudiences).isEmpty();
  }
}
