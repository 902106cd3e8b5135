package dev.vmesh.controlplane;

import dev.vmesh.api.Addresses;
import dev.vmesh.ca.Authenticator;
import dev.vmesh.ca.BootstrapTokens;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.ca.KubernetesTokens;
import dev.vmesh.ca.Sealer;
import dev.vmesh.ca.ServerCertificate;
import dev.vmesh.controlplane.http.AdminToken;
import dev.vmesh.pki.Pem;
import dev.vmesh.store.Blobs;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ServerIdentity} is what the server proves and checks identities with: the mesh CA, the
 * bootstrap-token ledger, the authenticator of callers (tokens, Kubernetes service-account tokens,
 * mesh certificates) and the admin token. A server alone keeps them in its data directory; replicas that
 * share a store share them through it, sealed with the key every replica is given.
 */
record ServerIdentity(CertificateAuthority ca, BootstrapTokens tokens, Authenticator authenticator,
    String adminToken) {
  private static final Logger LOG = LoggerFactory.getLogger(ServerIdentity.class);

  static ServerIdentity open(ServerOptions o, Optional<Blobs> shared, Clock clock) throws IOException {
    String trustDomain = o.registry().trustDomain();
    Sealer sealer = shared.isPresent() ? sealer(o) : null;
    CertificateAuthority ca = o.caDir() == null && shared.isPresent()
        ? CertificateAuthority.loadOrCreateShared(shared.get(), sealer, trustDomain, o.caKeyType(), clock)
        : CertificateAuthority.loadOrCreate(o.caDir() != null ? o.caDir() : o.dataDir().resolve("ca"),
            trustDomain, o.caKeyType(), clock);
    BootstrapTokens tokens = shared.isPresent() ? BootstrapTokens.openShared(shared.get(), sealer, clock)
        : BootstrapTokens.open(o.dataDir().resolve("tokens"), clock);
    Authenticator authenticator = new Authenticator(trustDomain, tokens,
        o.tokenReviewer() == null ? null : new KubernetesTokens(trustDomain, o.tokenReviewer()));
    String adminToken = shared.isPresent() ? AdminToken.loadOrCreateShared(shared.get(), sealer, o.dataDir())
        : AdminToken.loadOrCreate(o.dataDir());
    return new ServerIdentity(ca, tokens, authenticator, adminToken);
  }

  /**
   * The TLS of port 15012: a certificate from the mesh CA for the server's names (renewed when they
   * change), and the mesh roots to check the client certificates VMs may present.
   */
  TlsServerCredentials.Builder tlsCredentials(ServerOptions o, Clock clock) throws IOException {
    var names = o.serverNames().stream().filter(n -> !Addresses.isIp(n)).toList();
    var ips = o.serverNames().stream().filter(Addresses::isIp).toList();
    Path dir = o.dataDir().resolve("server");
    ServerCertificate.Files cert = ServerCertificate.ensure(dir, ca, names, ips, clock);
    Path bundle = dir.resolve("trust-bundle.pem");
    Pem.writeAtomically(bundle, Pem.certificates(ca.roots()), "rw-r--r--");
    return TlsServerCredentials.newBuilder().keyManager(cert.certChain().toFile(), cert.key().toFile())
        .trustManager(bundle.toFile()).clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL);
  }

  /** The key that seals secrets in the shared store; a missing or bad file stops the start with the fix. */
  private static Sealer sealer(ServerOptions o) throws IOException {
    if (o.secretsKeyFile() == null) {
      throw new IOException("this server shares its store with other replicas, which also share the CA and the "
          + "token keys through it, sealed: give every replica the same --secrets-key-file (create it once with "
          + "'head -c 32 /dev/urandom | base64 > FILE')");
    }
    Sealer sealer = Sealer.fromFile(o.secretsKeyFile());
    LOG.info("event=secrets_key_loaded file={} fingerprint={}", o.secretsKeyFile(), sealer.fingerprint());
    return sealer;
  }
}
