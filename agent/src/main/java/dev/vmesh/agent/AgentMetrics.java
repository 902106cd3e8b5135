package dev.vmesh.agent;

import dev.vmesh.agent.health.Health;
import dev.vmesh.agent.health.Prober;
import dev.vmesh.agent.identity.CertManager;
import dev.vmesh.agent.xds.AgentStream;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.DoubleSupplier;
import java.util.function.ToLongFunction;

/**
 * {@code AgentMetrics} registers the agent's {@code vmesh_agent_*} series (listed in docs/metrics.md).
 * Each one reads the running parts when scraped, so a part that is not up yet counts 0.
 */
final class AgentMetrics {
  private AgentMetrics() {}

  static void register(PrometheusRegistry metrics, AgentParts parts, CertManager certs) {
    streamGauge(metrics, parts, "vmesh_agent_xds_connected", "1 while the agent's xDS stream is up",
        s -> s.isConnected() ? 1 : 0);
    streamCounter(metrics, parts, "vmesh_agent_xds_connects", "xDS streams the server accepted",
        s -> s.stats().connects());
    streamGauge(metrics, parts, "vmesh_agent_xds_refused",
        "1 while the server refuses the agent's stream (registration or credentials; see /debug/status)",
        s -> s.stats().refused().isEmpty() ? 0 : 1);
    streamCounter(metrics, parts, "vmesh_agent_xds_stream_failures", "xDS streams that failed or closed",
        s -> s.stats().failures());
    streamCounter(metrics, parts, "vmesh_agent_health_reports", "Health reports sent to the server",
        s -> s.stats().healthReports());
    gauge(metrics, "vmesh_agent_workload_healthy", "1 healthy, 0 unhealthy, -1 not decided yet or no probe", () -> {
      Prober p = parts.prober;
      Health h = p == null ? null : p.current();
      return h == null ? -1 : h.healthy() ? 1 : 0;
    });
    counter(metrics, "vmesh_agent_probes", "Probes run", () -> {
      Prober p = parts.prober;
      return p == null ? 0 : p.stats().probesRun();
    });
    counter(metrics, "vmesh_agent_probe_failures", "Probes that failed", () -> {
      Prober p = parts.prober;
      return p == null ? 0 : p.stats().probesFailed();
    });
    gauge(metrics, "vmesh_agent_certificate_expiry_seconds", "Unix time the workload certificate expires (0 without one)",
        () -> {
          var notAfter = certs.status().notAfter();
          return notAfter == null ? 0 : notAfter.getEpochSecond();
        });
    gauge(metrics, "vmesh_agent_certificate_failures_in_a_row", "Certificate requests failed since the last success",
        () -> certs.status().failuresInARow());
    gauge(metrics, "vmesh_agent_local_xds_streams", "Local xDS streams being forwarded",
        () -> {
          var local = parts.localXds;
          return local == null ? 0 : local.openStreams();
        });
    gauge(metrics, "vmesh_agent_name_table_hosts", "Hosts in the last DNS name table",
        () -> {
          var table = parts.nameTable;
          return table == null ? 0 : table.getTableCount();
        });
    counter(metrics, "vmesh_agent_envoy_restarts", "Envoy restarts by the agent",
        () -> {
          var envoy = parts.envoy;
          return envoy == null ? 0 : envoy.restarts();
        });
  }

  private static void gauge(PrometheusRegistry metrics, String name, String help, DoubleSupplier r) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(r.getAsDouble())).register(metrics);
  }

  private static void counter(PrometheusRegistry metrics, String name, String help, DoubleSupplier r) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(r.getAsDouble())).register(metrics);
  }

  /** A counter of the agent's own stream; 0 before the stream exists. */
  private static void streamCounter(PrometheusRegistry metrics, AgentParts parts, String name, String help,
      ToLongFunction<AgentStream> read) {
    counter(metrics, name, help, () -> {
      AgentStream s = parts.stream;
      return s == null ? 0 : read.applyAsLong(s);
    });
  }

  /** A gauge of the agent's own stream; 0 before the stream exists. */
  private static void streamGauge(PrometheusRegistry metrics, AgentParts parts, String name, String help,
      ToLongFunction<AgentStream> read) {
    gauge(metrics, name, help, () -> {
      AgentStream s = parts.stream;
      return s == null ? 0 : read.applyAsLong(s);
    });
  }
}
