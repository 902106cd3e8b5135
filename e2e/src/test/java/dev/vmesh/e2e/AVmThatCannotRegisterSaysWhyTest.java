package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With real processes: an onboarded VM whose entry name is already taken by a hand-made WorkloadEntry
 * gets its certificate but no registration, and both sides say why: the server's log and metrics,
 * {@code vmesh proxy-status}, the agent's log and its {@code /debug/status}. The hand-made entry stays
 * as it was; once it is removed, the agent's next attempt registers the VM.
 */
class AVmThatCannotRegisterSaysWhyTest {
  @TempDir
  Path tmp;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** The page at {@code uri}, or what kept us from reading it (the agent may not listen yet). */
  String body(URI uri) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "unreachable: " + e;
    }
  }

  @Test
  void aTakenNameIsRefusedAndEverySideShowsTheReason() throws Exception {
    int httpPort = VmeshProcess.freePort();
    int xdsPort = VmeshProcess.freePort();
    try (VmeshProcess server = new VmeshProcess("server", tmp, "server", "--data-dir", tmp.resolve("data").toString(),
        "--http-address", "127.0.0.1:" + httpPort, "--xds-address", "127.0.0.1:" + xdsPort).start()) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(AdminCalls.getOr599(http, httpPort, null,
          "/ready").statusCode()).as(server.output()).isEqualTo(200));
      String token = Files.readString(tmp.resolve("data/admin-token")).trim();
      String base = "http://127.0.0.1:" + httpPort;
      Path mesh = Files.writeString(tmp.resolve("mesh.yaml"), WebVms.MESH + """
          ---
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: web-127.0.0.4, namespace: vm, labels: {team: pay}}
          spec: {address: 10.9.9.9, serviceAccount: payments, labels: {team: pay}}
          """);
      Cli apply = Cli.run("apply", "-f", mesh.toString(), "--server", base, "--token", token);
      assertThat(apply.exit()).as(apply.err()).isZero();
      String manual = AdminCalls.getOr599(http, httpPort, token, "/apis/networking.istio.io/v1/namespaces/vm/"
          + "workloadentries/web-127.0.0.4").body();

      Path files = tmp.resolve("vm-etc");
      Cli configure = Cli.run("workload", "entry", "configure", "--name", "web", "-n", "vm", "-o", files.toString(),
          "--autoregister", "--internal-ip", "127.0.0.4", "--discovery-address", "127.0.0.1:" + xdsPort,
          "--server", base, "--token", token);
      assertThat(configure.exit()).as(configure.err()).isZero();
      int statusPort = VmeshProcess.freePort();
      try (VmeshProcess agent = new VmeshProcess("agent", tmp, "agent", "--config-dir", files.toString(),
          "--state-dir", tmp.resolve("vm-state").toString(), "--run-dir", tmp.resolve("vm-run").toString(),
          "--status-address", "127.0.0.4:" + statusPort, "--readiness-address", "off", "--dns", "off").start()) {
        URI status = URI.create("http://127.0.0.4:" + statusPort + "/debug/status");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(body(status)).as(agent.output())
            .contains("\"workloadEntry\" : \"web-127.0.0.4\"").contains("\"state\" : \"refused\"")
            .contains("ALREADY_EXISTS: auto-registration refused: WorkloadEntry vm/web-127.0.0.4 exists and was not "
                + "created by auto-registration"));
        assertThat(agent.output()).contains("event=certificate_renewed").contains("event=xds_refused")
            .contains("not created by auto-registration");
        assertThat(server.output()).contains("event=autoregistration_refused").contains("reason=name_taken");
        assertThat(AdminCalls.getOr599(http, httpPort, token, "/metrics").body())
            .containsPattern("vmesh_autoregistration_refusals_total\\{reason=\"name_taken\"} [1-9]");
        Cli proxyStatus = Cli.run("proxy-status", "--server", base, "--token", token);
        assertThat(proxyStatus.out()).contains("REFUSED").containsPattern("sidecar~127.0.0.4~\\S+ refused "
            + "ALREADY_EXISTS: auto-registration refused: WorkloadEntry vm/web-127.0.0.4 exists");
        assertThat(AdminCalls.getOr599(http, httpPort, token, "/apis/networking.istio.io/v1/namespaces/vm/"
            + "workloadentries/web-127.0.0.4").body()).isEqualTo(manual);

        // The fix the refusal names: remove the hand-made entry. The agent's next attempt registers.
        Cli delete = Cli.run("delete", "we", "web-127.0.0.4", "-n", "vm", "--server", base, "--token", token);
        assertThat(delete.exit()).as(delete.err()).isZero();
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
          assertThat(body(status)).as(agent.output()).contains("\"state\" : \"accepted\"");
          assertThat(Cli.run("proxy-status", "--server", base, "--token", token).out())
              .containsPattern("sidecar~127.0.0.4~\\S+ +sotw +vm +127.0.0.4 .* web-127.0.0.4 +\\d\\S*\\n");
        });
      }
    }
  }
}
