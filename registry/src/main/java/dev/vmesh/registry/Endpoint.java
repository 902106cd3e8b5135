package dev.vmesh.registry;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Endpoint} is one address:port that serves one port of a service, with what the proxy needs to
 * pick it and talk to it. {@code address} is an IP, a hostname (DNS resolution) or a unix socket path
 * (then {@code port} is 0). {@code serviceAccount} is the SPIFFE identity, empty when the workload has
 * none. {@code workloadEntry} is {@code namespace/name} of the WorkloadEntry, empty for inline and DNS
 * endpoints. {@code weight} is at least 1 (an unset weight counts as 1). Unhealthy endpoints are kept
 * (for debugging) but never receive traffic, and of several endpoints with one address and port only one
 * does: see {@link Service#healthyEndpoints()}.
 */
public record Endpoint(
    String address,
    int port,
    int servicePort,
    Map<String, String> labels,
    String network,
    String locality,
    long weight,
    String serviceAccount,
    String tlsMode,
    String workloadEntry,
    boolean healthy) {

  /** Sort order of endpoint lists: address, then port, then service port, then workload entry. */
  public static final Comparator<Endpoint> ORDER = Comparator.comparing(Endpoint::address)
      .thenComparingInt(Endpoint::port)
      .thenComparingInt(Endpoint::servicePort)
      .thenComparing(Endpoint::workloadEntry)
      .thenComparing(e -> new TreeMap<>(e.labels()).toString()) // ties: keep the order total
      .thenComparing(Endpoint::network)
      .thenComparing(Endpoint::locality)
      .thenComparingLong(Endpoint::weight)
      .thenComparing(Endpoint::serviceAccount);

  /** Whether two endpoints are the same destination of the same service port (address, port, service port). */
  public static boolean sameTarget(Endpoint a, Endpoint b) {
    return a.port == b.port && a.servicePort == b.servicePort && a.address.equals(b.address);
  }

  /** TLS mode of workloads with a sidecar (mTLS). */
  public static final String TLS_ISTIO = "istio";
  /** TLS mode of workloads without a sidecar (plain text). */
  public static final String TLS_DISABLED = "disabled";
}
