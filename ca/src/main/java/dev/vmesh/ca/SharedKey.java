package dev.vmesh.ca;

import dev.vmesh.pki.Pem;
import dev.vmesh.store.Blobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SharedKey} is a private key replicas share through {@link Blobs}, with the public PEM text that
 * goes with it (a certificate or a public key). The blob's first line is the private key sealed by
 * {@link Sealer}, the rest the public text. The first replica to start creates it; a replica that loses
 * the race to store its own takes the winner's, so all end up with the same.
 */
record SharedKey(PrivateKey key, String publicPem) {
  private static final Logger LOG = LoggerFactory.getLogger(SharedKey.class);

  /** Makes a new key and its public text, when none is stored yet. */
  @FunctionalInterface
  interface Maker {
    SharedKey make() throws IOException;
  }

  /** Returns the key stored under {@code name}, storing one from {@code maker} first if there is none. */
  static SharedKey loadOrCreate(Blobs blobs, Sealer sealer, String name, Maker maker) throws IOException {
    Optional<byte[]> stored = blobs.get(name);
    if (stored.isEmpty()) {
      SharedKey made = maker.make();
      String text = Sealer.HEADER + " " + sealer.seal(name, Pem.privateKey(made.key()).getBytes(StandardCharsets.UTF_8))
          + "\n" + made.publicPem();
      if (blobs.putIfAbsent(name, text.getBytes(StandardCharsets.UTF_8))) {
        LOG.info("event=shared_key_created name={} store={}", name, blobs);
      }
      stored = blobs.get(name); // ours, or the one another replica stored first
      if (stored.isEmpty()) {
        throw new IOException(name + " vanished from " + blobs + " right after it was stored");
      }
    }
    String text = new String(stored.get(), StandardCharsets.UTF_8);
    int eol = text.indexOf('\n');
    if (!text.startsWith(Sealer.HEADER + " ") || eol < 0) {
      throw new IOException(name + " in " + blobs + ": line 1: expected '" + Sealer.HEADER + " v1.…' (a sealed key); "
          + "the value was not written by vmesh");
    }
    byte[] plain = sealer.open(name, text.substring(Sealer.HEADER.length() + 1, eol));
    return new SharedKey(Pem.parsePrivateKey(new String(plain, StandardCharsets.UTF_8)), text.substring(eol + 1));
  }
}
