package dev.vmesh.store.etcd;

import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * {@code TestCertificates} is a throw-away CA with a certificate for etcd (127.0.0.1, localhost) and one
 * for its clients, as PEM files in a directory (keys in PKCS#8).
 */
final class TestCertificates {
  final Path ca;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;
  private final KeyPair clientPair;
  private final List<X509Certificate> clientChain;
  private final X509Certificate root;

  TestCertificates(Path dir) throws IOException {
    CertificateAuthority authority = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "etcd.test", Clock.systemUTC());
    root = authority.roots().get(0);
    ca = Files.writeString(dir.resolve("ca.pem"), Pem.certificates(authority.roots()));
    KeyPair server = KeyPairs.ecP256();
    List<X509Certificate> serverChain = authority.issue(server.getPublic(), new CertificateAuthority.LeafSpec(
        List.of(), List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1)));
    serverCert = Files.writeString(dir.resolve("server.pem"), Pem.certificates(serverChain));
    serverKey = Files.writeString(dir.resolve("server-key.pem"), Pem.privateKey(server.getPrivate()));
    clientPair = KeyPairs.ecP256();
    clientChain = authority.issue(clientPair.getPublic(), new CertificateAuthority.LeafSpec(
        List.of(), List.of("vmesh-client"), List.of(), Duration.ofDays(1)));
    clientCert = Files.writeString(dir.resolve("client.pem"), Pem.certificates(clientChain));
    clientKey = Files.writeString(dir.resolve("client-key.pem"), Pem.privateKey(clientPair.getPrivate()));
  }

  /** A JDK TLS context that trusts the CA and presents the client certificate (for etcd's /health). */
  SSLContext clientContext() {
    try {
      char[] pw = "test".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", clientPair.getPrivate(), pw, clientChain.toArray(X509Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pw);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", root);
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Options for a store on an etcd with these certificates, with the client certificate. */
  EtcdOptions.Tls tls() {
    return new EtcdOptions.Tls(ca, clientCert, clientKey);
  }
}
