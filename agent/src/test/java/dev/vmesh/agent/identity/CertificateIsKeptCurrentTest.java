package dev.vmesh.agent.identity;

import dev.vmesh.api.time.ManualTimer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.Pem;
import dev.vmesh.pki.SpiffeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateIsKeptCurrentTest {
  @TempDir
  Path dir;

  static final SpiffeId ID = new SpiffeId("cluster.local", "ns1", "vm");
  ManualTimer time;
  CertificateAuthority ca;
  FakeCa fake;
  CertManager manager;

  /** Signs with a real CA; records which credentials each call used; can be made unreachable. */
  final class FakeCa implements CaClient {
    final List<String> used = new ArrayList<>();
    boolean down;
    boolean refuseCertificates;

    @Override
    public List<String> createCertificate(String csrPem, Duration ttl, Credentials credentials) throws Exception {
      used.add(credentials.isCertificate() ? "certificate" : "token:" + credentials.bearerToken());
      if (down) {
        throw new IOException("UNAVAILABLE: connection refused");
      }
      if (refuseCertificates && credentials.isCertificate()) {
        throw new IOException("PERMISSION_DENIED: revoked");
      }
      var checked = Csrs.check(csrPem);
      assertThat(checked.requestedUris()).containsExactly(ID.uri());
      List<String> out = new ArrayList<>();
      for (X509Certificate c : ca.issue(checked.publicKey(), new CertificateAuthority.LeafSpec(List.of(ID.uri()),
          List.of(), List.of(), ttl))) {
        out.add(Pem.certificates(List.of(c)));
      }
      return out;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    time = new ManualTimer();
    ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", time);
    Files.writeString(dir.resolve("token"), "bootstrap-token\n");
    fake = new FakeCa();
    manager = new CertManager(CertManager.Options.defaults(dir.resolve("certs"), ID, dir.resolve("token"),
        dir.resolve("ca/root-cert.pem")), fake, time, time, new Random(7));
  }

  private X509Certificate leaf() throws IOException {
    return Pem.parseCertificates(Files.readString(manager.certChain())).get(0);
  }

  @Test
  void firstCertificateComesFromTheTokenAndRenewalsFromTheCertificate() throws Exception {
    manager.start();
    assertThat(manager.firstCertificate()).isDone();
    assertThat(fake.used).containsExactly("token:bootstrap-token");
    assertThat(Files.getPosixFilePermissions(manager.key())).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE);
    assertThat(Pem.parseCertificates(Files.readString(manager.rootCert()))).isEqualTo(ca.roots());
    X509Certificate first = leaf();
    assertThat(first.getSubjectAlternativeNames()).containsExactly(List.of(6, ID.uri()));

    // the renewal is due at half the lifetime, give or take 1%
    Instant due = time.nextDue();
    Duration life = Duration.between(first.getNotBefore().toInstant(), first.getNotAfter().toInstant());
    Duration at = Duration.between(first.getNotBefore().toInstant(), due);
    assertThat((double) at.toMillis() / life.toMillis()).isBetween(0.49, 0.51);

    Files.delete(dir.resolve("token")); // the token is gone for good: renewals must not need it
    time.advance(Duration.between(time.instant(), due));
    assertThat(fake.used).containsExactly("token:bootstrap-token", "certificate");
    assertThat(leaf().getSerialNumber()).isNotEqualTo(first.getSerialNumber());
    time.advance(Duration.ofDays(30));
    assertThat(fake.used).hasSizeGreaterThan(30).allMatch(u -> u.equals("certificate") || u.startsWith("token"));
    assertThat(leaf().getNotAfter().toInstant()).isAfter(time.instant());
  }

  @Test
  void anUnreachableCaIsRetriedWithBackoffAndTheOldFilesStay() throws Exception {
    manager.start();
    X509Certificate first = leaf();
    fake.down = true;
    time.advance(Duration.between(time.instant(), time.nextDue())); // the first renewal attempt fails
    List<Duration> gaps = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Instant before = time.instant();
      Instant due = time.nextDue();
      gaps.add(Duration.between(before, due));
      time.advance(Duration.between(before, due));
    }
    assertThat(gaps.get(0)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    assertThat(gaps.get(3)).isGreaterThan(gaps.get(0));
    assertThat(gaps).allMatch(g -> g.compareTo(Duration.ofMinutes(5)) <= 0);
    assertThat(leaf()).isEqualTo(first); // still serving the old certificate
    assertThat(manager.status().failuresInARow()).isEqualTo(9);
    assertThat(manager.status().lastError()).contains("UNAVAILABLE");

    fake.down = false;
    time.advance(Duration.between(time.instant(), time.nextDue()));
    assertThat(leaf()).isNotEqualTo(first);
    assertThat(manager.status().failuresInARow()).isZero();
  }

  @Test
  void aRefusedCertificateFallsBackToTheTokenAndNothingAtAllIsAClearError() throws Exception {
    manager.start();
    fake.refuseCertificates = true;
    time.advance(Duration.between(time.instant(), time.nextDue()));
    assertThat(fake.used).containsExactly("token:bootstrap-token", "certificate", "token:bootstrap-token");

    CertManager orphan = new CertManager(CertManager.Options.defaults(dir.resolve("none"), ID, dir.resolve("missing"),
        dir.resolve("ca/root-cert.pem")), fake, time, time, new Random(1));
    orphan.start();
    assertThat(orphan.firstCertificate()).isNotDone();
    assertThat(orphan.status().lastError()).contains("no valid certificate").contains("vmesh token create");
  }

  @Test
  void aValidCertificateOnDiskIsUsedAtStart() throws Exception {
    manager.start();
    X509Certificate first = leaf();
    manager.close();
    CertManager again = new CertManager(CertManager.Options.defaults(dir.resolve("certs"), ID, dir.resolve("token"),
        dir.resolve("ca/root-cert.pem")), fake, time, time, new Random(3));
    again.start();
    assertThat(again.firstCertificate()).isDone();
    assertThat(leaf()).isEqualTo(first);
    assertThat(fake.used).hasSize(1);
    assertThat(Set.of(again.status().nextRenewal())).isNotEmpty();
  }
}
