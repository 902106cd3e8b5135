package dev.vmesh.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;

/** {@code KeyPairs} makes new key pairs: ECDSA P-256 for workloads and roots, RSA where a root asks for it. */
public final class KeyPairs {
  private static final SecureRandom RANDOM = new SecureRandom();

  private KeyPairs() {}

  /** A new ECDSA P-256 key pair. */
  public static KeyPair ecP256() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 support in this JDK", e);
    }
  }

  /** A new RSA key pair of {@code bits} bits. */
  public static KeyPair rsa(int bits) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(bits, RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no RSA support in this JDK", e);
    }
  }
}
