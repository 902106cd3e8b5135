package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.pki.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's own certificate is reissued at start whenever {@code --server-name} asks for other names. */
class ServerCertificateFollowsTheServerNamesTest {
  @TempDir
  Path dir;

  CertificatesOnlyForTheProvenIdentityTest.MovableClock clock;
  CertificateAuthority ca;

  @BeforeEach
  void setUp() throws Exception {
    clock = new CertificatesOnlyForTheProvenIdentityTest.MovableClock();
    ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", clock);
  }

  private X509Certificate ensure(List<String> dns, List<String> ips) throws Exception {
    var files = ServerCertificate.ensure(dir.resolve("server"), ca, dns, ips, clock);
    return Pem.parseCertificates(Files.readString(files.certChain())).get(0);
  }

  private static List<String> sans(X509Certificate c, int type) throws Exception {
    List<String> out = new ArrayList<>();
    for (List<?> san : c.getSubjectAlternativeNames()) {
      if (Integer.valueOf(type).equals(san.get(0))) {
        out.add(String.valueOf(san.get(1)));
      }
    }
    return out;
  }

  @Test
  void anAddedIpGetsANewCertificateThatCarriesIt() throws Exception {
    X509Certificate first = ensure(List.of("vmesh.example"), List.of("10.0.0.1"));
    X509Certificate second = ensure(List.of("vmesh.example"), List.of("10.0.0.1", "10.0.0.2"));
    assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    assertThat(sans(second, 7)).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
  }

  @Test
  void aRemovedNameOrIpGetsANewCertificateWithoutIt() throws Exception {
    ensure(List.of("vmesh.example", "old.example"), List.of("10.0.0.1", "10.0.0.9"));
    X509Certificate next = ensure(List.of("vmesh.example"), List.of("10.0.0.1"));
    assertThat(sans(next, 2)).containsExactly("vmesh.example");
    assertThat(sans(next, 7)).containsExactly("10.0.0.1");
  }

  @Test
  void theSameNamesKeepTheCertificateWhateverTheirOrderOrIpv6Spelling() throws Exception {
    X509Certificate first = ensure(List.of("a.example", "b.example"), List.of("::1", "10.0.0.1"));
    X509Certificate again = ensure(List.of("b.example", "a.example"), List.of("10.0.0.1", "0:0:0:0:0:0:0:1"));
    assertThat(again.getSerialNumber()).isEqualTo(first.getSerialNumber());
  }

  @Test
  void halfItsLifetimeGoneGetsANewCertificate() throws Exception {
    X509Certificate first = ensure(List.of("vmesh.example"), List.of());
    clock.advance(ServerCertificate.TTL.dividedBy(2).plus(Duration.ofMinutes(1)));
    assertThat(ensure(List.of("vmesh.example"), List.of()).getSerialNumber()).isNotEqualTo(first.getSerialNumber());
  }
}
