package dev.vmesh.store.etcd;

import dev.vmesh.store.StoreException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/** {@code EtcdClients} builds the jetcd client for {@link EtcdOptions}: endpoints, TLS, credentials. */
final class EtcdClients {
  private EtcdClients() {}

  static Client build(EtcdOptions o) {
    ClientBuilder b = Client.builder()
        .endpoints(o.endpoints().toArray(URI[]::new))
        // fail a request at once while no endpoint is reachable, with the reason, rather than wait out the timeout
        .waitForReady(false)
        .connectTimeout(o.requestTimeout())
        .maxInboundMessageSize(64 << 20);
    if (o.tls() != null) {
      EtcdOptions.Tls tls = o.tls();
      readable(tls.caFile(), "--etcd-ca-file");
      readable(tls.certFile(), "--etcd-cert-file");
      readable(tls.keyFile(), "--etcd-key-file");
      try {
        b.sslContext(ssl -> {
          if (tls.caFile() != null) {
            ssl.trustManager(tls.caFile().toFile());
          }
          if (tls.certFile() != null) {
            ssl.keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
          }
        });
      } catch (SSLException | IllegalArgumentException e) {
        throw new StoreException.Unavailable("cannot use the TLS files for etcd (" + describe(tls) + "): "
            + EtcdCalls.describe(e) + "; certificates must be PEM, the key PEM in PKCS#8 form", e);
      }
    }
    if (o.credentials() != null) {
      b.user(ByteSequence.from(o.credentials().user(), StandardCharsets.UTF_8))
          .password(ByteSequence.from(o.credentials().password(), StandardCharsets.UTF_8));
    }
    return b.build();
  }

  private static void readable(Path file, String flag) {
    if (file != null && !Files.isReadable(file)) {
      throw new StoreException.Unavailable(flag + " " + file + " does not exist or is not readable", null);
    }
  }

  private static String describe(EtcdOptions.Tls tls) {
    return "CA " + tls.caFile() + ", certificate " + tls.certFile() + ", key " + tls.keyFile();
  }
}
