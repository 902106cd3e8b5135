package dev.vmesh.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.util.io.pem.PemReader;
import org.junit.jupiter.api.Test;

/**
 * The agent's certificate work (a key, a request, its certificate and key files) runs on the JDK alone:
 * the vmesh-agent jar leaves BouncyCastle out. The pki classes are loaded here by a class loader that can
 * see the JDK and nothing else, and what they write is read back by BouncyCastle as the CA reads it.
 */
class TheAgentsKeysAndRequestsNeedNoBouncyCastleTest {
  private static final String URI = "spiffe://cluster.local/ns/ns1/sa/vm";

  @Test
  void keysRequestsAndPemWorkWithoutBouncyCastleOnTheClassPath() throws Exception {
    URL classes = Pem.class.getProtectionDomain().getCodeSource().getLocation();
    try (URLClassLoader jdkOnly = new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(() -> jdkOnly.loadClass("org.bouncycastle.openssl.PEMParser"))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> keyPairs = jdkOnly.loadClass(KeyPairs.class.getName());
      Class<?> csrs = jdkOnly.loadClass(Csrs.class.getName());
      Class<?> pem = jdkOnly.loadClass(Pem.class.getName());
      for (KeyPair keys : List.of((KeyPair) call(keyPairs, "ecP256"), (KeyPair) call(keyPairs, "rsa", 2048))) {
        String csr = (String) call(csrs, "create", keys, URI);
        // the CA's reading: canonical DER, a valid signature, the SAN asked for
        Csrs.Checked checked = Csrs.check(csr);
        assertThat(checked.requestedUris()).containsExactly(URI);
        assertThat(checked.publicKey()).isEqualTo(keys.getPublic());

        String keyPem = (String) call(pem, "privateKey", keys.getPrivate());
        assertThat(call(pem, "parsePrivateKey", keyPem)).isEqualTo(keys.getPrivate());
        assertThat(call(pem, "parsePublicKey", call(pem, "publicKey", keys.getPublic()))).isEqualTo(keys.getPublic());
      }
      // a SEC1 key needs BouncyCastle: without it the error says how to convert the key
      String sec1 = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----\n";
      assertThatThrownBy(() -> call(pem, "parsePrivateKey", sec1)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
    }
  }

  @Test
  void theRequestIsByteForByteWhatBouncyCastleWouldWrite() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = g.generateKeyPair();
    ExtensionsGenerator san = new ExtensionsGenerator();
    san.addExtension(Extension.subjectAlternativeName, true,
        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, URI)));
    PKCS10CertificationRequest theirs = new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, san.generate())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
    PKCS10CertificationRequest ours;
    try (PemReader r = new PemReader(new StringReader(Csrs.create(keys, URI)))) {
      ours = new PKCS10CertificationRequest(r.readPemObject().getContent());
    }
    // the signed part is deterministic (ECDSA signatures are not): it must be the same bytes
    assertThat(ours.toASN1Structure().getCertificationRequestInfo().getEncoded())
        .isEqualTo(theirs.toASN1Structure().getCertificationRequestInfo().getEncoded());
    assertThat(ours.getSignatureAlgorithm()).isEqualTo(theirs.getSignatureAlgorithm());
  }

  @Test
  void pemBlocksAreWrittenAsOpensslWritesThem() throws Exception {
    KeyPair keys = KeyPairs.ecP256();
    PrivateKey key = keys.getPrivate();
    StringWriter bc = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(bc)) {
      w.writeObject(new JcaPKCS8Generator(key, null));
    }
    assertThat(Pem.privateKey(key)).isEqualTo(bc.toString());
    assertThat(Pem.parsePrivateKey("some text before\n" + Pem.privateKey(key) + "and after\n")).isEqualTo(key);
    assertThatThrownBy(() -> Pem.parsePrivateKey(Pem.publicKey(keys.getPublic())))
        .hasMessage("expected a private key, found a PUBLIC KEY block");
    assertThatThrownBy(() -> Pem.parseCertificates("")).hasMessage("no certificate found");
  }

  private static Object call(Class<?> type, String name, Object... args) throws Exception {
    for (Method m : type.getMethods()) {
      if (m.getName().equals(name) && m.getParameterCount() == args.length) {
        try {
          return m.invoke(null, args);
        } catch (InvocationTargetException e) {
          throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
        }
      }
    }
    throw new NoSuchMethodException(type.getName() + "." + name);
  }
}
