package dev.vmesh.api;

import java.util.List;
import java.util.Map;

/**
 * {@code ProxyConfig} is the part of Istio's mesh config ({@code mesh.yaml}, key {@code defaultConfig})
 * that a VM agent reads: where the control plane is, the node metadata to announce, and the probe that
 * decides the VM's health.
 *
 * @param discoveryAddresses the control plane's {@code host:port}; Istio allows one, vmesh also accepts
 *     a comma-separated list and fails over between them
 * @param proxyMetadata environment-style settings ({@code ISTIO_META_*}, {@code POD_NAMESPACE}, ...), which
 *     the agent applies under its own environment and cluster.env
 * @param readinessProbe the WorkloadGroup's probe, or null for none
 * @param statusPort the agent's status port (metrics, health), 15020 when unset
 */
public record ProxyConfig(List<String> discoveryAddresses, Map<String, String> proxyMetadata,
    ReadinessProbe readinessProbe, int statusPort) {

  public static final int DEFAULT_STATUS_PORT = 15020;

  public ProxyConfig {
    discoveryAddresses = List.copyOf(discoveryAddresses);
    proxyMetadata = Maps.copy(proxyMetadata);
  }

  public int effectiveStatusPort() {
    return statusPort > 0 ? statusPort : DEFAULT_STATUS_PORT;
  }
}
