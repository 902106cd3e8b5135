package dev.vmesh.ca;

import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.security.Keys;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Credentials an attacker can make without the server's keys: tokens signed by another key, unsigned
 * ({@code alg: none}), HMAC-signed with the server's public key (algorithm confusion), with the
 * signature cut off; CSRs for other identities, with several names, signed by a key other than the one
 * they carry, or with a weak key.
 */
final class HostileCredentials {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  static final List<String> OTHER_IDENTITIES = List.of("spiffe://cluster.local/ns/ns2/sa/sa1",
      "spiffe://cluster.local/ns/ns1/sa/sa2", "spiffe://cluster.local/ns/kube-system/sa/default",
      "spiffe://other.domain/ns/ns1/sa/sa1", "spiffe://cluster.local/ns/ns1/sa/sa1/", "spiffe://Cluster.Local/ns/ns1/sa/sa1",
      "spiffe://cluster.local/ns/NS1/sa/sa1", "spiffe://cluster.local/ns/ns1/sa/sa1/../../ns2/sa/sa1",
      "spiffe://cluster.local/ns/ns1/sa/sa%31", "spiffe://cluster.local//ns/ns1/sa/sa1", "SPIFFE://cluster.local/ns/ns1/sa/sa1",
      "spiffe://cluster.local/ns/ns1/sa/sa1?x=y", "spiffe://cluster.local/ns/ns1/sa/sa1#f", "spiffe://cluster.local/ns/ns1",
      "https://cluster.local/ns/ns1/sa/sa1", "spiffe://cluster.local/ns/ns1/sa/sa1\u0000", "");

  private final KeyPair otherKey = KeyPairs.ecP256();
  private final PublicKey serverPublic;

  HostileCredentials(PublicKey serverPublic) {
    this.serverPublic = serverPublic;
  }

  /** A token for ns1/sa1 the server did not sign, in one of several ways. */
  String forgedToken(Random r) {
    Instant now = Instant.now();
    var claims = Jwts.claims().issuer(BootstrapTokens.ISSUER).subject("system:serviceaccount:ns1:sa1")
        .audience().add(BootstrapTokens.AUDIENCE).and().id("0123456789abcdef0123456789abcdef")
        .issuedAt(Date.from(now)).expiration(Date.from(now.plus(Duration.ofHours(1))))
        .add("ns", "ns1").add("sa", "sa1").add("single_use", false).build();
    String body = Jwts.builder().claims(claims).compact().split("\\.", -1)[1];
    return switch (r.nextInt(5)) {
      case 0 -> Jwts.builder().claims(claims).signWith(otherKey.getPrivate(), Jwts.SIG.ES256).compact();
      case 1 -> B64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + body + ".";
      case 2 -> Jwts.builder().claims(claims).signWith(Keys.hmacShaKeyFor(
          Pem.publicKey(serverPublic).getBytes(StandardCharsets.US_ASCII)), Jwts.SIG.HS256).compact();
      case 3 -> { // the server's header, a forged body, and the signature of another token
        String real = Jwts.builder().claims(claims).signWith(otherKey.getPrivate(), Jwts.SIG.ES256).compact();
        yield B64.encodeToString("{\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8)) + "." + body + "."
            + real.split("\\.")[2];
      }
      default -> {
        byte[] sig = new byte[64];
        r.nextBytes(sig);
        yield B64.encodeToString("{\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8)) + "." + body + "."
            + B64.encodeToString(sig);
      }
    };
  }

  /** A CSR asking for another identity, several names, or signed wrongly. */
  String foreignCsr(Random r, KeyPair keys, String ownUri) {
    String other = OTHER_IDENTITIES.get(r.nextInt(OTHER_IDENTITIES.size()));
    return switch (r.nextInt(5)) {
      case 0 -> csr(keys, keys.getPrivate(), uri(other));
      case 1 -> csr(keys, keys.getPrivate(), uri(ownUri), uri(other)); // its own and another
      case 2 -> csr(keys, keys.getPrivate(), uri(other), new GeneralName(GeneralName.dNSName, "istiod.istio-system.svc"));
      case 3 -> csr(keys, otherKey.getPrivate(), uri(ownUri)); // signed by a key it does not carry
      default -> csr(weakRsa(), null, uri(ownUri));
    };
  }

  private static GeneralName uri(String u) {
    return new GeneralName(GeneralName.uniformResourceIdentifier, u);
  }

  /** A PEM CSR for {@code keys}' public key with these SANs, signed by {@code signer} (or keys' own). */
  static String csr(KeyPair keys, PrivateKey signer, GeneralName... names) {
    try {
      var san = new ExtensionsGenerator();
      san.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names));
      var builder = new JcaPKCS10CertificationRequestBuilder(
          new X500Name(""), keys.getPublic());
      builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, san.generate());
      PrivateKey key = signer == null ? keys.getPrivate() : signer;
      String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      var csr = builder.build(new JcaContentSignerBuilder(alg).build(key));
      StringWriter out = new StringWriter();
      try (var w = new JcaPEMWriter(out)) {
        w.writeObject(csr);
      }
      return out.toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private KeyPair weak;

  private KeyPair weakRsa() {
    if (weak == null) {
      weak = KeyPairs.rsa(1024);
    }
    return weak;
  }
}
