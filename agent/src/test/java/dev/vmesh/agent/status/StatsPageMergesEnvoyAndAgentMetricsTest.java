package dev.vmesh.agent.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link MergedMetrics} against a stand-in for Envoy's admin {@code /stats/prometheus}. */
class StatsPageMergesEnvoyAndAgentMetricsTest {
  static final String ENVOY = "# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n"
      + "# TYPE envoy_cluster_upstream_cx_total counter\nenvoy_cluster_upstream_cx_total{envoy_cluster_name=\"xds-grpc\"} 3";
  final AtomicReference<String> envoyBody = new AtomicReference<>(ENVOY);
  final AtomicReference<Integer> envoyStatus = new AtomicReference<>(200);
  HttpServer envoy;
  PrometheusRegistry registry;

  @BeforeEach
  void start() throws Exception {
    envoy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
    envoy.createContext("/stats/prometheus", ex -> {
      byte[] b = envoyBody.get().getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(envoyStatus.get(), b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    envoy.start();
    registry = new PrometheusRegistry();
    Counter.builder().name("vmesh_agent_xds_connects").help("connects").register(registry).inc(2);
  }

  @AfterEach
  void stop() {
    envoy.stop(0);
  }

  MergedMetrics merged(long max) {
    return new MergedMetrics(registry, URI.create("http://127.0.0.1:" + envoy.getAddress().getPort()
        + "/stats/prometheus"), max);
  }

  @Test
  void envoysFamiliesComeFirstThenTheAgentsInOneTextPage() throws Exception {
    MergedMetrics.Page page = merged(1 << 20).page();
    String text = new String(page.body(), StandardCharsets.UTF_8);
    assertThat(page.contentType()).startsWith("text/plain; version=0.0.4");
    assertThat(text).startsWith(ENVOY + "\n").contains("# TYPE vmesh_agent_xds_connects_total counter",
        "vmesh_agent_xds_connects_total 2.0", "vmesh_agent_envoy_stats_scrape_failures_total 0.0");
    // Each family's TYPE line appears once.
    assertThat(text.lines().filter(l -> l.startsWith("# TYPE ")).distinct().count())
        .isEqualTo(text.lines().filter(l -> l.startsWith("# TYPE ")).count());
  }

  @Test
  void withoutEnvoyThePageHasTheAgentsMetricsAndCountsTheFailure() throws Exception {
    MergedMetrics m = merged(1 << 20);
    envoyStatus.set(503);
    String failing = new String(m.page().body(), StandardCharsets.UTF_8);
    assertThat(failing).doesNotContain("envoy_server_live").contains("vmesh_agent_envoy_stats_scrape_failures_total 1.0");
    envoyStatus.set(200);
    envoy.stop(0);
    String down = new String(m.page().body(), StandardCharsets.UTF_8);
    assertThat(down).doesNotContain("envoy_server_live").contains("vmesh_agent_xds_connects_total 2.0",
        "vmesh_agent_envoy_stats_scrape_failures_total 2.0");
  }

  @Test
  void envoyStatsOverTheLimitAreLeftOut() throws Exception {
    String tooLarge = new String(merged(10).page().body(), StandardCharsets.UTF_8);
    assertThat(tooLarge).doesNotContain("envoy_server_live").contains("vmesh_agent_xds_connects_total 2.0",
        "vmesh_agent_envoy_stats_scrape_failures_total 1.0");
  }
}
