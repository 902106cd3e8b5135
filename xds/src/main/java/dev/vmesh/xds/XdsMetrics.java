package dev.vmesh.xds;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** {@code XdsMetrics} are the xDS server's Prometheus metrics ({@code vmesh_xds_*}). */
public final class XdsMetrics {
  final Gauge connected;
  final Counter pushes;
  final Counter pushBytes;
  final Counter nacks;
  final Counter rejected;
  final Histogram pushTime;

  public XdsMetrics(PrometheusRegistry registry) {
    connected = Gauge.builder().name("vmesh_xds_connected_proxies").help("Open ADS streams.")
        .labelNames("protocol").register(registry);
    pushes = Counter.builder().name("vmesh_xds_pushes").help("Responses sent, by type.")
        .labelNames("type").register(registry);
    pushBytes = Counter.builder().name("vmesh_xds_push_bytes").help("Bytes of resources sent, by type.")
        .labelNames("type").register(registry);
    nacks = Counter.builder().name("vmesh_xds_nacks").help("Responses rejected by proxies, by type.")
        .labelNames("type").register(registry);
    rejected = Counter.builder().name("vmesh_xds_rejected_streams")
        .help("Streams closed because of a malformed request or a refused proxy.").labelNames("reason")
        .register(registry);
    pushTime = Histogram.builder().name("vmesh_xds_push_time_seconds")
        .help("From a config change to the response leaving for a proxy.").labelNames("type")
        .classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
        .register(registry);
  }

  /** Metrics registered nowhere, for tests and tools. */
  public static XdsMetrics unregistered() {
    return new XdsMetrics(new PrometheusRegistry());
  }
}
