package dev.vmesh.ca;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ServerCertificate} keeps the control plane's own TLS certificate ({@code cert-chain.pem},
 * {@code key.pem} in its directory), issued by the mesh CA for the server's hostnames and IPs. It is
 * reissued at start when missing, when half its lifetime has passed, or when the names changed.
 */
public final class ServerCertificate {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCertificate.class);
  static final Duration TTL = Duration.ofDays(90);

  private ServerCertificate() {}

  /** The files, for TLS server credentials. */
  public record Files(Path certChain, Path key) {}

  public static Files ensure(Path dir, CertificateAuthority ca, List<String> dnsNames, List<String> ips, Clock clock)
      throws IOException {
    Path chainFile = dir.resolve("cert-chain.pem");
    Path keyFile = dir.resolve("key.pem");
    if (java.nio.file.Files.exists(chainFile) && java.nio.file.Files.exists(keyFile)
        && fresh(java.nio.file.Files.readString(chainFile), dnsNames, clock.instant())) {
      return new Files(chainFile, keyFile);
    }
    KeyPair kp = CertificateAuthority.newKeyPair();
    List<X509Certificate> chain = ca.issue(kp.getPublic(), new CertificateAuthority.LeafSpec(List.of(), dnsNames, ips, TTL));
    Pem.writeAtomically(keyFile, Pem.privateKey(kp.getPrivate()), "rw-------");
    Pem.writeAtomically(chainFile, Pem.certificates(chain), "rw-r--r--");
    LOG.info("event=server_certificate_issued names={} ips={} expires={}", dnsNames, ips,
        chain.get(0).getNotAfter().toInstant());
    return new Files(chainFile, keyFile);
  }

  private static boolean fresh(String pem, List<String> dnsNames, Instant now) {
    try {
      X509Certificate leaf = Pem.parseCertificates(pem).get(0);
      Instant from = leaf.getNotBefore().toInstant();
      Instant to = leaf.getNotAfter().toInstant();
      boolean half = now.isBefore(from.plus(Duration.between(from, to).dividedBy(2)));
      var sans = leaf.getSubjectAlternativeNames();
      boolean names = sans != null && dnsNames.stream().allMatch(d -> sans.stream().anyMatch(s -> d.equals(s.get(1))));
      return half && names;
    } catch (IllegalArgumentException | java.security.cert.CertificateParsingException e) {
      return false;
    }
  }
}
