package dev.vmesh.controlplane;

import dev.vmesh.ca.Pem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/** {@code AdminToken} is the bearer token of the admin API: created at first start as {@code admin-token} (mode 0600). */
final class AdminToken {
  static final String FILE = "admin-token";

  private AdminToken() {}

  static String loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      String t = Files.readString(file).trim();
      if (t.length() >= 32) {
        return t;
      }
    }
    byte[] raw = new byte[32];
    new SecureRandom().nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Pem.writeAtomically(file, token + "\n", "rw-------");
    return token;
  }
}
