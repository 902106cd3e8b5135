package dev.vmesh.ca;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** {@code CaMetrics} are the CA's Prometheus counters: certificates issued by credential, refused by reason. */
public final class CaMetrics {
  final Counter issued;
  final Counter refused;

  public CaMetrics(PrometheusRegistry registry) {
    issued = Counter.builder().name("vmesh_ca_certificates_issued")
        .help("Workload certificates issued, by the credential the caller proved itself with (certificate, "
            + "bootstrap_token, kubernetes_token).")
        .labelNames("method").register(registry);
    refused = Counter.builder().name("vmesh_ca_certificates_refused")
        .help("Certificate requests refused, by reason (no_credentials, bad_authorization, token_expired, "
            + "token_revoked, token_spent, token_invalid, certificate_invalid, certificate_foreign, "
            + "certificate_revoked, csr_invalid, csr_identity, ttl_too_long).")
        .labelNames("reason").register(registry);
  }

  /** Metrics registered nowhere, for tests and tools. */
  public static CaMetrics unregistered() {
    return new CaMetrics(new PrometheusRegistry());
  }
}
