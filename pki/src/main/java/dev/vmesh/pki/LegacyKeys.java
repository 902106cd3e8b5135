package dev.vmesh.pki;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * {@code LegacyKeys} reads the key formats the JDK cannot: PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1
 * ({@code EC PRIVATE KEY}), as {@code openssl genrsa} and {@code openssl ecparam -genkey} write them. Kept
 * apart from {@link Pem} so that only this class needs BouncyCastle: the agent never loads it.
 */
final class LegacyKeys {
  private LegacyKeys() {}

  static PrivateKey parsePrivateKey(String pem) {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (o instanceof PEMKeyPair pair) {
        return new JcaPEMKeyConverter().getKeyPair(pair).getPrivate();
      }
      throw new IllegalArgumentException("expected a private key, found " + (o == null ? "nothing"
          : o.getClass().getSimpleName()));
    } catch (IOException e) {
      throw new IllegalArgumentException("not a PEM private key: " + e.getMessage(), e);
    }
  }
}
