package dev.vmesh.ca;

import dev.vmesh.api.Addresses;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ServerCertificate} keeps the control plane's own TLS certificate ({@code cert-chain.pem},
 * {@code key.pem} in its directory), issued by the mesh CA for the server's hostnames and IPs. It is
 * reissued at start when missing, when half its lifetime has passed, or when its names differ from the
 * ones asked for: DNS names and IP addresses alike (IPs compared as addresses, so {@code ::1} and
 * {@code 0:0:0:0:0:0:0:1} are one name), added or removed.
 */
public final class ServerCertificate {
  private static final Logger LOG = LoggerFactory.getLogger(ServerCertificate.class);
  static final Duration TTL = Duration.ofDays(90);
  private static final int DNS = 2;
  private static final int IP = 7;

  private ServerCertificate() {}

  /** The files, for TLS server credentials. */
  public record Files(Path certChain, Path key) {}

  public static Files ensure(Path dir, CertificateAuthority ca, List<String> dnsNames, List<String> ips, Clock clock)
      throws IOException {
    Path chainFile = dir.resolve("cert-chain.pem");
    Path keyFile = dir.resolve("key.pem");
    String stale = "missing";
    if (java.nio.file.Files.exists(chainFile) && java.nio.file.Files.exists(keyFile)) {
      stale = staleness(java.nio.file.Files.readString(chainFile), dnsNames, ips, clock.instant());
      if (stale == null) {
        return new Files(chainFile, keyFile);
      }
    }
    KeyPair kp = KeyPairs.ecP256();
    List<X509Certificate> chain = ca.issue(kp.getPublic(), new CertificateAuthority.LeafSpec(List.of(), dnsNames, ips, TTL));
    Pem.writeAtomically(keyFile, Pem.privateKey(kp.getPrivate()), "rw-------");
    Pem.writeAtomically(chainFile, Pem.certificates(chain), "rw-r--r--");
    LOG.info("event=server_certificate_issued names={} ips={} expires={} reason=\"{}\"", dnsNames, ips,
        chain.get(0).getNotAfter().toInstant(), stale);
    return new Files(chainFile, keyFile);
  }

  /** Why the certificate in {@code pem} must be replaced, or null when it is still good. */
  private static String staleness(String pem, List<String> dnsNames, List<String> ips, Instant now) {
    try {
      X509Certificate leaf = Pem.parseCertificates(pem).get(0);
      Instant from = leaf.getNotBefore().toInstant();
      Instant to = leaf.getNotAfter().toInstant();
      if (!now.isBefore(from.plus(Duration.between(from, to).dividedBy(2)))) {
        return "half its lifetime has passed";
      }
      Set<String> haveDns = new TreeSet<>();
      Set<String> haveIps = new TreeSet<>();
      var sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(DNS).equals(san.get(0))) {
            haveDns.add(String.valueOf(san.get(1)));
          } else if (Integer.valueOf(IP).equals(san.get(0))) {
            haveIps.add(Addresses.normalize(String.valueOf(san.get(1))));
          }
        }
      }
      Set<String> wantDns = new TreeSet<>(dnsNames);
      Set<String> wantIps = new TreeSet<>(ips.stream().map(Addresses::normalize).toList());
      if (!haveDns.equals(wantDns) || !haveIps.equals(wantIps)) {
        return "names changed from " + haveDns + " " + haveIps + " to " + wantDns + " " + wantIps;
      }
      return null;
    } catch (IllegalArgumentException | CertificateParsingException e) {
      return "unreadable: " + e.getMessage();
    }
  }
}
