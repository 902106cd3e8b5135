package dev.vmesh.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;

/**
 * {@code Csrs} makes and reads certificate signing requests. {@link #create} (the agent's side) is PKCS#10
 * written with the JDK alone ({@link Der}); {@link #check} (the CA's side) reads with BouncyCastle and
 * requires PEM PKCS#10, a valid self-signature, and a key strong enough (RSA of at least 2048 bits, or EC on
 * P-256, P-384 or P-521). Every failure is an {@link IllegalArgumentException} whose message says what is
 * wrong.
 */
public final class Csrs {
  /** Largest CSR accepted, in characters. */
  public static final int MAX_PEM = 64 * 1024;
  private static final String EXTENSION_REQUEST = "1.2.840.113549.1.9.14"; // PKCS#9
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";
  private static final String SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
  private static final int URI_NAME = 0x86; // GeneralName uniformResourceIdentifier: [6] IMPLICIT IA5String
  private static final int ATTRIBUTES = 0xa0; // [0] IMPLICIT SET OF Attribute

  private Csrs() {}

  /** A CSR (PEM) for {@code keys}, asking for {@code spiffeUri} as its only SAN (critical), empty subject. */
  public static String create(KeyPair keys, String spiffeUri) {
    boolean rsa = keys.getPrivate().getAlgorithm().equals("RSA");
    byte[] sans = Der.sequence(Der.element(URI_NAME, spiffeUri.getBytes(StandardCharsets.US_ASCII)));
    byte[] extension = Der.sequence(Der.oid(SUBJECT_ALT_NAME), Der.element(Der.BOOLEAN, new byte[] {(byte) 0xff}),
        Der.element(Der.OCTET_STRING, sans));
    byte[] extensionRequest = Der.sequence(Der.oid(EXTENSION_REQUEST), Der.set(Der.sequence(extension)));
    byte[] info = Der.sequence(Der.element(Der.INTEGER, new byte[] {0}), Der.sequence(), keys.getPublic().getEncoded(),
        Der.element(ATTRIBUTES, extensionRequest));
    byte[] algorithm = rsa ? Der.sequence(Der.oid(SHA256_WITH_RSA), Der.element(Der.NULL))
        : Der.sequence(Der.oid(ECDSA_WITH_SHA256));
    byte[] signature;
    try {
      Signature s = Signature.getInstance(rsa ? "SHA256withRSA" : "SHA256withECDSA");
      s.initSign(keys.getPrivate());
      s.update(info);
      signature = s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a CSR: " + e.getMessage(), e);
    }
    byte[] bits = new byte[signature.length + 1]; // no unused bits
    System.arraycopy(signature, 0, bits, 1, signature.length);
    return Pem.block("CERTIFICATE REQUEST", Der.sequence(info, algorithm, Der.element(Der.BIT_STRING, bits)));
  }

  /** A checked request: its key and the URI SANs it asks for. */
  public record Checked(PublicKey publicKey, List<String> requestedUris) {}

  /** Reads and checks a request as the CA does; see the class comment. */
  public static Checked check(String pem) {
    return CsrChecks.check(pem);
  }
}
