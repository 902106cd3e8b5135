package dev.vmesh.agent.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.http.HttpCall;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The status port answers probes and scrapes from anywhere; its debug pages, which show the VM's identity,
 * answer only the VM itself.
 */
class StatusPortPagesAndDebugOnlyFromTheVmTest {
  final AtomicReference<String> notReady = new AtomicReference<>("no certificate yet");
  final HttpClient client = HttpClient.newHttpClient();
  StatusServer server;

  @BeforeEach
  void start() throws Exception {
    server = new StatusServer(new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0),
        new PrometheusRegistry(), notReady::get, () -> "{\"identity\": \"spiffe://cluster.local/ns/vm/sa/web\"}\n");
  }

  @AfterEach
  void stop() {
    server.close();
    client.close();
  }

  HttpResponse<String> get(InetSocketAddress at, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readinessFollowsTheAgentAndLivenessOnlyTheProcess() throws Exception {
    for (InetSocketAddress port : new InetSocketAddress[] {server.statusAddress(), server.readinessAddress()}) {
      var r = get(port, "/healthz/ready");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("no certificate yet\n");
    }
    assertThat(get(server.statusAddress(), "/healthz").statusCode()).isEqualTo(200);
    notReady.set(null);
    assertThat(get(server.readinessAddress(), "/healthz/ready").body()).isEqualTo("ready\n");
    assertThat(get(server.readinessAddress(), "/metrics").statusCode()).isEqualTo(404);
  }

  @Test
  void versionMetricsAndTheDebugIndexAreServed() throws Exception {
    assertThat(get(server.statusAddress(), "/version").body()).contains("\"version\"").contains("\"java\"");
    get(server.statusAddress(), "/healthz");
    assertThat(get(server.statusAddress(), "/metrics").body())
        .contains("vmesh_agent_http_requests_total{code=\"200\",port=\"status\"}");
    var index = get(server.statusAddress(), "/debug");
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("/debug/status");
    assertThat(get(server.statusAddress(), "/debug/status").body()).contains("spiffe://cluster.local/ns/vm/sa/web");
  }

  @Test
  void aCallerOtherThanTheVmGets403FromTheDebugPagesButProbesWork() throws Exception {
    InetSocketAddress vm = new InetSocketAddress("10.1.0.5", 15020);
    HttpCall remote = new HttpCall("GET", "/debug/status", "", Map.of(), new byte[0],
        new InetSocketAddress("10.1.0.99", 40000), vm);
    var refused = server.statusPage(remote);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(new String(refused.body())).contains("answer only on the VM itself")
        .doesNotContain("spiffe://");
    HttpCall sameHost = new HttpCall("GET", "/debug/status", "", Map.of(), new byte[0],
        new InetSocketAddress("10.1.0.5", 40000), vm);
    assertThat(server.statusPage(sameHost).status()).isEqualTo(200);
    HttpCall probe = new HttpCall("GET", "/healthz/ready", "", Map.of(), new byte[0],
        new InetSocketAddress("10.1.0.99", 40000), vm);
    assertThat(server.statusPage(probe).status()).isEqualTo(503);
  }

  @Test
  void eitherPortCanBeOff() throws Exception {
    try (StatusServer none = new StatusServer(null, null, new PrometheusRegistry(), () -> null, () -> "{}")) {
      assertThat(none.statusAddress()).isNull();
      assertThat(none.readinessAddress()).isNull();
    }
  }
}
