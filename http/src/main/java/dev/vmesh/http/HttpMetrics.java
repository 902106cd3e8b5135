package dev.vmesh.http;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * {@code HttpMetrics} are the metrics of a process's HTTP ports, named {@code <prefix>http_*} (the server's
 * prefix is {@code vmesh_}, the agent's {@code vmesh_agent_}) and labelled with the port's name.
 */
public final class HttpMetrics {
  final Gauge connections;
  final Counter refused;
  final Counter closed;
  final Counter requests;

  public HttpMetrics(PrometheusRegistry registry, String prefix) {
    connections = Gauge.builder().name(prefix + "http_connections").help("Open connections, by port.")
        .labelNames("port").register(registry);
    refused = Counter.builder().name(prefix + "http_connections_refused")
        .help("Connections answered 503 and closed at once: the port (capacity) or the client (client_capacity)"
            + " had as many as it may.")
        .labelNames("port", "reason").register(registry);
    closed = Counter.builder().name(prefix + "http_connections_closed")
        .help("Connections the port closed because of a limit: header_timeout, body_timeout, idle_timeout,"
            + " write_timeout, or displaced (to admit a new connection while full).")
        .labelNames("port", "reason").register(registry);
    requests = Counter.builder().name(prefix + "http_requests").help("Requests answered, by port and status code.")
        .labelNames("port", "code").register(registry);
  }

  /** Metrics registered nowhere, for tests and tools. */
  public static HttpMetrics unregistered() {
    return new HttpMetrics(new PrometheusRegistry(), "unregistered_");
  }
}
