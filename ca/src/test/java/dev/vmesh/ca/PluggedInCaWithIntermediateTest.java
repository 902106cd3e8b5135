package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A CA handed to vmesh in Istio's files (an intermediate under an offline root) issues chains that validate. */
class PluggedInCaWithIntermediateTest {
  @TempDir
  Path dir;

  static X509Certificate ca(X500Name subject, X500Name issuer, KeyPair subjectKeys, PrivateKey signer)
      throws Exception {
    var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
        Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(365))), subject,
        subjectKeys.getPublic());
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA")
        .build(signer)));
  }

  @Test
  void chainsGoLeafIntermediateRootAndValidate() throws Exception {
    KeyPair rootKeys = KeyPairs.ecP256();
    X500Name rootName = new X500Name("O=example,CN=offline root");
    X509Certificate root = ca(rootName, rootName, rootKeys, rootKeys.getPrivate());
    KeyPair interKeys = KeyPairs.ecP256();
    X509Certificate inter = ca(new X500Name("O=example,CN=mesh intermediate"), rootName, interKeys,
        rootKeys.getPrivate());
    KeyPair otherRootKeys = KeyPairs.ecP256(); // a second root in the bundle (rotation)
    X509Certificate otherRoot = ca(new X500Name("CN=next root"), new X500Name("CN=next root"), otherRootKeys,
        otherRootKeys.getPrivate());
    Path caDir = Files.createDirectories(dir.resolve("cacerts"));
    Files.writeString(caDir.resolve("ca-cert.pem"), Pem.certificates(List.of(inter)));
    Files.writeString(caDir.resolve("ca-key.pem"), Pem.privateKey(interKeys.getPrivate()));
    Files.writeString(caDir.resolve("cert-chain.pem"), Pem.certificates(List.of(inter)));
    Files.writeString(caDir.resolve("root-cert.pem"), Pem.certificates(List.of(root, otherRoot)));

    CertificateAuthority ca = CertificateAuthority.loadOrCreate(caDir, "cluster.local", Clock.systemUTC());
    assertThat(ca.roots()).containsExactly(root, otherRoot);
    List<X509Certificate> chain = ca.issue(KeyPairs.ecP256().getPublic(), new CertificateAuthority
        .LeafSpec(List.of("spiffe://cluster.local/ns/ns1/sa/sa1"), List.of(), List.of(), Duration.ofHours(1)));
    assertThat(chain).hasSize(3);
    assertThat(chain.get(1)).isEqualTo(inter);
    assertThat(chain.get(2)).isEqualTo(root);

    var path = CertificateFactory.getInstance("X.509").generateCertPath(chain.subList(0, 2));
    var params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(path, params); // throws if the chain does not validate
  }
}
