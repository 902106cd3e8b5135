package dev.vmesh.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Pem} reads and writes certificates and keys as PEM (RFC 7468), and writes files atomically with
 * a mode. Certificates, PKCS#8 private keys and X.509 public keys need only the JDK, so the agent runs
 * without an ASN.1 library; the older key formats ({@code RSA PRIVATE KEY}, {@code EC PRIVATE KEY}) that
 * an operator's CA key may come in are read with BouncyCastle ({@link LegacyKeys}), which the server has.
 */
public final class Pem {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\r?\\n([A-Za-z0-9+/=\\r\\n \\t]*?)-----END \\1-----");

  private Pem() {}

  /** One PEM block: its label ({@code CERTIFICATE}, {@code PRIVATE KEY}, ...) and its DER content. */
  record Block(String type, byte[] der) {}

  /** The blocks in {@code pem}, in order; text between blocks is skipped, as openssl's explanatory text is. */
  static List<Block> blocks(String pem) {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(pem);
    while (m.find()) {
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the " + m.group(1) + " block is not valid base64: " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** {@code der} as a PEM block labelled {@code type}, 64 characters a line. */
  static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  public static String certificates(List<X509Certificate> chain) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate c : chain) {
      try {
        out.append(block("CERTIFICATE", c.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalArgumentException("cannot encode certificate " + c.getSubjectX500Principal() + ": "
            + e.getMessage(), e);
      }
    }
    return out.toString();
  }

  /** A PKCS#8 ("BEGIN PRIVATE KEY") PEM, which gRPC and Envoy both read. */
  public static String privateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("a " + key.getAlgorithm() + " key in format " + key.getFormat()
          + " cannot be written as PKCS#8");
    }
    return block("PRIVATE KEY", key.getEncoded());
  }

  /** A "BEGIN PUBLIC KEY" PEM. */
  public static String publicKey(PublicKey key) {
    return block("PUBLIC KEY", key.getEncoded());
  }

  public static PublicKey parsePublicKey(String pem) {
    List<Block> blocks = blocks(pem);
    if (blocks.isEmpty() || !blocks.get(0).type().equals("PUBLIC KEY")) {
      throw new IllegalArgumentException("expected a public key"
          + (blocks.isEmpty() ? "" : ", found a " + blocks.get(0).type() + " block"));
    }
    for (String algorithm : ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(blocks.get(0).der()));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new IllegalArgumentException("not a PEM public key: no " + String.join(", ", ALGORITHMS) + " key");
  }

  /** Every certificate in {@code pem}, in order; throws IllegalArgumentException on anything else. */
  public static List<X509Certificate> parseCertificates(String pem) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block b : blocks(pem)) {
        if (!b.type().equals("CERTIFICATE")) {
          throw new IllegalArgumentException("expected only certificates, found a " + b.type() + " block");
        }
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der())));
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + e.getMessage(), e);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no certificate found");
    }
    return out;
  }

  /** The key algorithms a PKCS#8 or X.509 key is tried with, in order. */
  private static final List<String> ALGORITHMS = List.of("EC", "RSA", "Ed25519");

  /** The private key in {@code pem} (PKCS#8, or PKCS#1/SEC1 key pairs). */
  public static PrivateKey parsePrivateKey(String pem) {
    List<Block> blocks = blocks(pem);
    if (blocks.isEmpty()) {
      throw new IllegalArgumentException("expected a private key, found nothing");
    }
    Block b = blocks.get(0);
    switch (b.type()) {
      case "PRIVATE KEY" -> {
        for (String algorithm : ALGORITHMS) {
          try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(b.der()));
          } catch (GeneralSecurityException e) {
            // not this algorithm: try the next
          }
        }
        throw new IllegalArgumentException("not a PEM private key: no " + String.join(", ", ALGORITHMS) + " key");
      }
      case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
        try {
          return LegacyKeys.parsePrivateKey(pem);
        } catch (LinkageError e) { // the agent's jar leaves BouncyCastle out
          throw new IllegalArgumentException("a " + b.type() + " (PKCS#1/SEC1) key needs BouncyCastle, which this"
              + " program does not carry; convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in KEY", e);
        }
      }
      default -> throw new IllegalArgumentException("expected a private key, found a " + b.type() + " block"
          + (b.type().startsWith("ENCRYPTED") ? " (only unencrypted keys are read)" : ""));
    }
  }

  /** Writes {@code text} to {@code file} via a temporary file and an atomic rename, with {@code mode} (e.g. rw-------). */
  public static void writeAtomically(Path file, String text, String mode) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
    try {
      Files.writeString(tmp, text);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
