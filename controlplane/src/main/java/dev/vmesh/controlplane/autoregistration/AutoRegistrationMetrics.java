package dev.vmesh.controlplane.autoregistration;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * {@code AutoRegistrationMetrics} are the auto-registration controller's Prometheus counters: entries
 * created, refusals by reason, and health transitions written to entries.
 */
public final class AutoRegistrationMetrics {
  final Counter registrations;
  final Counter refusals;
  final Counter healthTransitions;

  public AutoRegistrationMetrics(PrometheusRegistry registry) {
    registrations = Counter.builder().name("vmesh_autoregistrations")
        .help("WorkloadEntries created by auto-registration.").register(registry);
    refusals = Counter.builder().name("vmesh_autoregistration_refusals")
        .help("Proxies naming a WorkloadGroup that got no entry, by reason (invalid_group, invalid_address, "
            + "no_address, identity, name_taken, no_group, disabled, store_error).")
        .labelNames("reason").register(registry);
    healthTransitions = Counter.builder().name("vmesh_workload_health_transitions")
        .help("Changes of a WorkloadEntry's Healthy condition written from agents' reports, by new state.")
        .labelNames("healthy").register(registry);
  }

  /** Metrics registered nowhere, for tests and tools. */
  public static AutoRegistrationMetrics unregistered() {
    return new AutoRegistrationMetrics(new PrometheusRegistry());
  }
}
