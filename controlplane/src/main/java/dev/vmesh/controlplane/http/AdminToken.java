package dev.vmesh.controlplane.http;

import dev.vmesh.ca.Sealer;
import dev.vmesh.pki.Pem;
import dev.vmesh.store.Blobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/** {@code AdminToken} is the bearer token of the admin API: created at first start as {@code admin-token} (mode 0600). */
public final class AdminToken {
  public static final String FILE = "admin-token";

  private AdminToken() {}

  public static String loadOrCreate(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      String t = Files.readString(file).trim();
      if (t.length() >= 32) {
        return t;
      }
    }
    String token = newToken();
    Pem.writeAtomically(file, token + "\n", "rw-------");
    return token;
  }

  /**
   * The token all replicas sharing {@code blobs} accept (sealed there; the first replica creates it),
   * also written to {@code <dataDir>/admin-token} for the CLI on this machine.
   */
  public static String loadOrCreateShared(Blobs blobs, Sealer sealer, Path dataDir)
      throws IOException {
    String name = "admin/token";
    blobs.putIfAbsent(name, sealer.seal(name, newToken().getBytes(StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8));
    byte[] sealed = blobs.get(name).orElseThrow(() -> new IOException(name + " vanished from " + blobs));
    String token = new String(sealer.open(name, new String(sealed, StandardCharsets.UTF_8)),
        StandardCharsets.UTF_8);
    Files.createDirectories(dataDir);
    Pem.writeAtomically(dataDir.resolve(FILE), token + "\n", "rw-------");
    return token;
  }

  /** 32 random bytes, base64url; never starting with '-', which a command line would read as an option. */
  private static String newToken() {
    SecureRandom random = new SecureRandom();
    byte[] raw = new byte[32];
    String token;
    do {
      random.nextBytes(raw);
      token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    } while (token.startsWith("-"));
    return token;
  }
}
