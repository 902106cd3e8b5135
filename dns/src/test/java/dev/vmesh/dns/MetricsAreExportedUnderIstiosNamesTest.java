package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Spec 2.5: Istio's DNS metrics, with the agent's vmesh_agent_ prefix, in a registry we are given. */
class MetricsAreExportedUnderIstiosNamesTest {
  @Test
  void countersAndHistogramAppearInTheScrape() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    try (ProxyFixture f = ProxyFixture.start(1, true, b -> b.metrics(registry))) {
      f.ask(false, "www.google.com.", TestQuery.A);
      f.ask(true, "www.bing.com.", TestQuery.A);
      f.ask(false, TestQuery.of("www.google.com.", TestQuery.A).ednsVersion(1).edns(512));

      String text = scrape(registry);
      assertThat(text)
          .contains("vmesh_agent_dns_requests_total{protocol=\"udp\",result=\"table\"} 1")
          .contains("vmesh_agent_dns_requests_total{protocol=\"tcp\",result=\"upstream\"} 1")
          .contains("vmesh_agent_dns_requests_total{protocol=\"udp\",result=\"rejected\"} 1")
          .contains("vmesh_agent_dns_upstream_requests_total{protocol=\"tcp\"} 1")
          .contains("vmesh_agent_dns_upstream_failures_total{protocol=\"tcp\"} 0")
          .contains("vmesh_agent_dns_upstream_request_duration_seconds_count{protocol=\"tcp\"} 1")
          .contains("vmesh_agent_dns_upstream_request_duration_seconds_bucket{protocol=\"tcp\",le=\"5.0\"} 1");
    }
  }

  private static String scrape(PrometheusRegistry registry) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }
}
