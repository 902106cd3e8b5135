package dev.vmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.agent.config.AgentConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Agent#withdraw}, the first step of an agent's or a gateway's graceful stop: from then on the readiness
 * port says "not ready" (load balancers in front stop sending), and the drain is waited only when something
 * drains (a health report went to the server, or Envoy took the drain); an agent with no stream (here: no server
 * reachable) and no Envoy has nothing to wait for and stops at once. The report itself and what the server does
 * with it run end to end in {@code VmsOnTwoNetworksMeetThroughEastWestGatewaysTest}, Envoy's drain in
 * {@code EnvoySidecarRunsUnderTheAgentTest} and {@code EnvoyIsRestartedAndDrainedTest}.
 */
class AWithdrawnAgentIsNotReadyAndWaitsOnlyWhenItReportedTest {
  @TempDir
  Path dir;

  @Test
  void withdrawingWithoutAStreamCompletesAtOnceAndReadinessSaysShuttingDown() throws Exception {
    Files.writeString(dir.resolve("cluster.env"), "POD_NAMESPACE='vm'\nSERVICE_ACCOUNT='web'\n");
    Files.writeString(dir.resolve("mesh.yaml"), "defaultConfig:\n  discoveryAddress: 127.0.0.1:1\n");
    AgentConfig config = AgentConfig.load(new AgentConfig.Paths(dir, dir.resolve("state"), dir.resolve("run")),
        Map.of("INSTANCE_IP", "127.0.0.1"), null);
    InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
    try (Agent agent = Agent.start(new Agent.Options(config, null, any, null, null, null, false, null, "test", null,
        null), Clock.systemUTC())) {
      String ready = "http://127.0.0.1:" + agent.status().readinessAddress().getPort() + "/healthz/ready";
      assertThat(get(ready).body()).as("before: no certificate yet").doesNotContain("shutting down");

      var drained = agent.withdraw(Duration.ofMinutes(10));

      assertThat(drained).as("no stream, so no report and nothing to wait for").isDone();
      HttpResponse<String> after = get(ready);
      assertThat(after.statusCode()).isEqualTo(503);
      assertThat(after.body()).contains("shutting down");
      assertThat(agent.isReady()).isFalse();
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
