package dev.vmesh.agent.status;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code MergedMetrics} is the agent's {@code /stats/prometheus} on 15020, as Istio's agent serves it:
 * Envoy's own {@code /stats/prometheus} (from its admin port on 127.0.0.1) followed by the agent's
 * metrics, one page in the Prometheus text format (0.0.4), so one scrape target covers the VM's proxy.
 * Envoy's families are {@code envoy_*}, the agent's {@code vmesh_agent_*}: no family appears twice.
 *
 * <p>Limits: Envoy gets {@link #TIMEOUT} to answer and may send at most {@link #MAX_ENVOY_BYTES}. When
 * Envoy is not running, does not answer in time, answers with an error or sends more, the page holds the
 * agent's metrics alone and {@code vmesh_agent_envoy_stats_scrape_failures_total} counts it.
 */
public final class MergedMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(MergedMetrics.class);
  public static final Duration TIMEOUT = Duration.ofSeconds(5);
  public static final long MAX_ENVOY_BYTES = 32L << 20;
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  /** A page: its content type and body. */
  public record Page(String contentType, byte[] body) {}

  private final PrometheusRegistry agent;
  private final URI envoyStats;
  private final long maxEnvoyBytes;
  /** Only with an Envoy: a client is a selector thread and a few hundred classes kept for the process's life. */
  private final HttpClient http;
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Counter failures;

  /**
   * @param agent the agent's registry (the failure counter is registered in it)
   * @param envoyAdminPort Envoy's admin port on 127.0.0.1, or 0 when the agent runs no Envoy
   */
  public MergedMetrics(PrometheusRegistry agent, int envoyAdminPort) {
    this(agent, envoyAdminPort == 0 ? null : URI.create("http://127.0.0.1:" + envoyAdminPort + "/stats/prometheus"),
        MAX_ENVOY_BYTES);
  }

  MergedMetrics(PrometheusRegistry agent, URI envoyStats, long maxEnvoyBytes) {
    this.agent = agent;
    this.envoyStats = envoyStats;
    this.maxEnvoyBytes = maxEnvoyBytes;
    this.http = envoyStats == null ? null : HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    this.failures = Counter.builder().name("vmesh_agent_envoy_stats_scrape_failures")
        .help("Scrapes of /stats/prometheus whose Envoy part was missing (Envoy down, slow, failing or too large)")
        .register(agent);
  }

  /** Envoy's metrics (when it answers) and then the agent's. */
  public Page page() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 << 10);
    if (envoyStats != null) {
      byte[] envoy = envoy();
      if (envoy != null) {
        out.write(envoy);
        if (envoy.length > 0 && envoy[envoy.length - 1] != '\n') {
          out.write('\n');
        }
      }
    }
    writer.write(out, agent.scrape());
    return new Page(CONTENT_TYPE, out.toByteArray());
  }

  private byte[] envoy() {
    try {
      HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(envoyStats).timeout(TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          throw new IOException("Envoy answered " + r.statusCode());
        }
        byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxEnvoyBytes + 1));
        if (body.length > maxEnvoyBytes) {
          throw new IOException("Envoy's stats are larger than " + maxEnvoyBytes + " bytes");
        }
        return body;
      }
    } catch (IOException e) {
      failures.inc();
      LOG.debug("event=envoy_stats_scrape_failed url={} error=\"{}\"", envoyStats, e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failures.inc();
      return null;
    }
  }
}
