package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent starts Envoy at once, not after the certificate: while the CA refuses to issue one (the
 * bootstrap token is missing), Envoy already runs and waits for its config, and the agent's readiness
 * says why it is not ready; once the token is back the agent's retry gets the certificate, Envoy gets its
 * config and secrets through the held streams without a restart, and readiness turns true.
 */
class EnvoyStartsBeforeTheCertificateTest {
  @TempDir
  Path tmp;

  @Test
  void envoyRunsWhileTheCertificateIsRefusedAndIsReadyOnceItArrives() throws Exception {
    EnvoyUnderTest.assumeRunnable();
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.copy(Path.of("../examples/mesh/python-http.yaml"), config.resolve("python-http.yaml"));
    try (EnvoyUnderTest vm = new EnvoyUnderTest(tmp, "10.77.0.4")) {
      vm.startServer(config);
      Path etc = vm.onboard("python-http", "vm");
      Path token = etc.resolve("istio-token");
      Path aside = tmp.resolve("istio-token.aside");
      Files.move(token, aside);
      vm.startAgent(etc);

      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertThat(vm.curl("127.0.0.1:15000/ready").body()).as(vm.log("agent")).contains("INITIALIZING");
        Commands.Http ready = vm.curl("127.0.0.1:15021/healthz/ready");
        assertThat(ready.code()).isEqualTo(503);
        assertThat(ready.body()).contains("no certificate yet", token.toString());
      });
      assertThat(tmp.resolve("state/certs/cert-chain.pem")).doesNotExist();

      Files.move(aside, token);
      await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
        assertThat(vm.curl("127.0.0.1:15021/healthz/ready").code()).as(vm.log("agent")).isEqualTo(200);
        assertThat(vm.admin("/ready")).contains("LIVE");
      });
      assertThat(vm.admin("/config_dump")).contains("\"name\": \"virtualInbound\"", "vmservice.example.com");
      assertThat(vm.curl("127.0.0.1:15020/stats/prometheus").body()).contains("vmesh_agent_envoy_restarts_total 0");
    }
  }
}
