package dev.vmesh.agent.identity;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** {@code CaClient} asks the mesh CA for a certificate. */
public interface CaClient {

  /** How to prove who we are: our current certificate (renewal), or a bootstrap token. */
  record Credentials(Path certChain, Path key, String bearerToken) {
    public static Credentials certificate(Path certChain, Path key) {
      return new Credentials(certChain, key, null);
    }

    public static Credentials token(String token) {
      return new Credentials(null, null, token);
    }

    public boolean isCertificate() {
      return certChain != null;
    }
  }

  /** The PEM chain (leaf first, root last) for {@code csrPem}; throws with the CA's reason on refusal. */
  List<String> createCertificate(String csrPem, Duration ttl, Credentials credentials) throws Exception;
}
