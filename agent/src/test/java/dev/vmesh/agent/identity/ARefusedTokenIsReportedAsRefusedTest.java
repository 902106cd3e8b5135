package dev.vmesh.agent.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.time.ManualTimer;
import dev.vmesh.pki.SpiffeId;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the CA refuses the token the agent sent, the agent says the token was refused (with the CA's
 * reason), names the file, and says how to write a new one; it says "no token" only when there is none.
 */
class ARefusedTokenIsReportedAsRefusedTest {
  @TempDir
  Path dir;

  static final SpiffeId ID = new SpiffeId("cluster.local", "ns1", "web");

  private CertManager manager(Path tokenFile, CaClient ca) {
    return new CertManager(CertManager.Options.defaults(dir.resolve("certs"), ID, tokenFile, dir.resolve("root.pem")),
        ca, new ManualTimer(), new ManualTimer(), new Random(1));
  }

  @Test
  void anExpiredTokenIsReportedAsRefusedWithTheFileAndTheCommandThatReplacesIt() throws Exception {
    Path token = Files.writeString(dir.resolve("istio-token"), "eyJ.expired.token\n");
    CertManager m = manager(token, (csr, ttl, credentials) -> {
      throw Status.UNAUTHENTICATED.withDescription("bootstrap token 0123 for ns1/web expired at 2026-01-01T00:00:00Z")
          .asRuntimeException();
    });
    m.start();
    String error = m.status().lastError();
    assertThat(error).startsWith("the CA refused the bootstrap token in " + token + ": UNAUTHENTICATED: bootstrap "
        + "token 0123 for ns1/web expired at").contains("vmesh token create -n ns1 -s web > " + token)
        .doesNotContain("no bootstrap token");
  }

  @Test
  void anUnreachableCaIsNotReportedAsARefusal() throws Exception {
    Path token = Files.writeString(dir.resolve("istio-token"), "eyJ.some.token\n");
    CertManager m = manager(token, (csr, ttl, credentials) -> {
      throw Status.UNAVAILABLE.withDescription("io exception").asRuntimeException();
    });
    m.start();
    assertThat(m.status().lastError()).isEqualTo("UNAVAILABLE: io exception");
  }

  @Test
  void onlyAMissingTokenIsReportedAsMissing() {
    Path token = dir.resolve("istio-token");
    CertManager m = manager(token, (csr, ttl, credentials) -> {
      throw new AssertionError("nothing to send");
    });
    m.start();
    assertThat(m.status().lastError()).contains("no bootstrap token in " + token)
        .contains("vmesh token create -n ns1 -s web > " + token);
  }
}
