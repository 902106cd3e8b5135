package dev.vmesh.pki;

import java.io.IOException;
import java.io.StringReader;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * {@code CsrChecks} is {@link Csrs#check}: the CA's reading of a request, with BouncyCastle. Kept apart
 * from {@link Csrs} so that making a request (the agent's side) loads no BouncyCastle class.
 */
final class CsrChecks {
  private CsrChecks() {}

  /** One PEM block, base64 lines only, nothing but whitespace around it (the PEM reader skips junk silently). */
  private static final Pattern PEM_SHAPE = Pattern.compile(
      "\\s*-----BEGIN (NEW )?CERTIFICATE REQUEST-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+"
          + "-----END (NEW )?CERTIFICATE REQUEST-----\\s*");

  static Csrs.Checked check(String pem) {
    if (pem == null || pem.isBlank()) {
      throw new IllegalArgumentException("csr is empty");
    }
    if (pem.length() > Csrs.MAX_PEM) {
      throw new IllegalArgumentException("csr is larger than " + Csrs.MAX_PEM + " characters");
    }
    PKCS10CertificationRequest req;
    try (var reader = new PemReader(new StringReader(pem))) {
      var obj = reader.readPemObject();
      if (obj == null || !obj.getType().endsWith("CERTIFICATE REQUEST")) {
        throw new IllegalArgumentException("csr is not a PEM CERTIFICATE REQUEST"
            + (obj == null ? "" : " (found " + obj.getType() + ")"));
      }
      if (!PEM_SHAPE.matcher(pem).matches()) {
        throw new IllegalArgumentException("csr must be exactly one PEM block (BEGIN/END CERTIFICATE REQUEST lines"
            + " with base64 lines between) and nothing but whitespace around it");
      }
      req = new PKCS10CertificationRequest(obj.getContent());
      // only canonical DER: a BER variant re-encodes differently and would be signed-for bytes it never carried
      if (!Arrays.equals(req.toASN1Structure().getEncoded(ASN1Encoding.DER),
          obj.getContent())) {
        throw new IllegalArgumentException("csr is not DER-encoded");
      }
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("csr is not a PEM certificate request: " + e.getMessage(), e);
    }
    PublicKey key;
    try {
      JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(req);
      key = jca.getPublicKey();
      if (!req.isSignatureValid(new JcaContentVerifierProviderBuilder().build(req.getSubjectPublicKeyInfo()))) {
        throw new IllegalArgumentException("csr signature does not verify with its own key");
      }
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("csr cannot be verified: " + e.getMessage(), e);
    }
    checkStrength(key);
    return new Csrs.Checked(key, uris(req));
  }

  private static void checkStrength(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      if (rsa.getModulus().bitLength() < 2048) {
        throw new IllegalArgumentException("csr key is RSA-" + rsa.getModulus().bitLength()
            + "; at least 2048 bits are required");
      }
    } else if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      if (bits != 256 && bits != 384 && bits != 521) {
        throw new IllegalArgumentException("csr key is on a " + bits + "-bit curve; use P-256, P-384 or P-521");
      }
    } else {
      throw new IllegalArgumentException("csr key type " + key.getAlgorithm() + " is not supported; use EC or RSA");
    }
  }

  private static List<String> uris(PKCS10CertificationRequest req) {
    List<String> out = new ArrayList<>();
    for (var attr : req.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      for (var value : attr.getAttrValues()) {
        Extensions ext = Extensions.getInstance(value);
        GeneralNames names = GeneralNames.fromExtensions(ext, Extension.subjectAlternativeName);
        if (names == null) {
          continue;
        }
        for (GeneralName n : names.getNames()) {
          if (n.getTagNo() == GeneralName.uniformResourceIdentifier) {
            out.add(n.getName().toString());
          }
        }
      }
    }
    return out;
  }
}
