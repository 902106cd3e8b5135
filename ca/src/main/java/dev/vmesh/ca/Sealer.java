package dev.vmesh.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code Sealer} encrypts the secrets replicas keep in a shared store (the CA key, the token signing
 * key) with AES-256-GCM under a key every replica reads from the same file. The blob's name is bound
 * in as associated data, so a sealed value moved to another name does not open. A sealed value is
 * text: {@code v1.<base64 of nonce and ciphertext>}.
 */
public final class Sealer {
  /** First word of a blob line that carries a sealed value. */
  public static final String HEADER = "vmesh-sealed";
  private static final String VERSION = "v1.";
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final String origin;

  private Sealer(byte[] key, String origin) {
    this.key = new SecretKeySpec(key, "AES");
    this.origin = origin;
  }

  /**
   * Reads the key from {@code file}: 32 random bytes, base64 on one line, as
   * {@code head -c 32 /dev/urandom | base64 > FILE} makes. Errors name the file and the fix.
   */
  public static Sealer fromFile(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      throw new IOException(file + ": no such file; create the secrets key once with "
          + "'head -c 32 /dev/urandom | base64 > " + file + "' and give every replica the same file");
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": line 1: not base64 (" + e.getMessage() + "); expected 32 random bytes in base64, "
          + "as 'head -c 32 /dev/urandom | base64' prints");
    }
    if (key.length != KEY_BYTES) {
      throw new IOException(file + ": line 1: the key is " + key.length + " bytes, expected " + KEY_BYTES
          + "; make one with 'head -c 32 /dev/urandom | base64'");
    }
    return new Sealer(key, file.toString());
  }

  /** A sealer with {@code key} (32 bytes), for tests. */
  static Sealer of(byte[] key) {
    return new Sealer(key.clone(), "a key given in code");
  }

  /** A short fingerprint of the key (not secret), to compare replicas' key files in logs. */
  public String fingerprint() {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Encrypts {@code plain}, bound to {@code name}. */
  public String seal(String name, byte[] plain) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(plain);
      byte[] out = new byte[NONCE_BYTES + sealed.length];
      System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return VERSION + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }

  /** Decrypts what {@link #seal} made for {@code name}; a wrong key or a changed value is an error that says so. */
  public byte[] open(String name, String sealed) throws IOException {
    if (!sealed.startsWith(VERSION)) {
      throw new IOException(name + ": not a sealed value this version of vmesh reads (expected it to start with "
          + VERSION + ")");
    }
    byte[] in;
    try {
      in = Base64.getDecoder().decode(sealed.substring(VERSION.length()).strip());
    } catch (IllegalArgumentException e) {
      throw new IOException(name + ": the sealed value is not base64: " + e.getMessage());
    }
    if (in.length < NONCE_BYTES + TAG_BITS / 8) {
      throw new IOException(name + ": the sealed value is too short (" + in.length + " bytes)");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      c.updateAAD(name.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new IOException(name + " does not open with the secrets key from " + origin + " (fingerprint "
          + fingerprint() + "): it was sealed with another key, or changed since; every replica needs the same "
          + "secrets key file");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JDK", e);
    }
  }
}
