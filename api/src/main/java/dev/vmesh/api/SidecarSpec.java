package dev.vmesh.api;

import java.util.List;
import java.util.Objects;

/**
 * {@code SidecarSpec} is the spec of an Istio Sidecar ({@code networking.istio.io}) as vmesh serves it: which
 * workloads it applies to, the services their proxies may reach ({@code egress[].hosts}, each
 * {@code namespace/dnsName}, optionally on one port) and what happens to destinations the mesh does not know.
 *
 * @param workloadSelector null when absent (then the namespace's default, or the mesh's in the root namespace);
 *     present with no labels is kept as such (Istio warns and applies it to the whole namespace)
 * @param egress the egress listeners in order; a listener without port is the catch-all, last
 * @param outboundTrafficPolicy null when absent (the mesh's policy applies)
 */
public record SidecarSpec(WorkloadSelector workloadSelector, List<EgressListener> egress,
    OutboundTrafficPolicy outboundTrafficPolicy) implements Spec {

  public SidecarSpec {
    egress = List.copyOf(Objects.requireNonNullElse(egress, List.of()));
  }

  /**
   * One egress listener: the hosts its proxy may reach, on {@code port} only when present.
   *
   * @param port null for the catch-all listener (every port)
   * @param hosts {@code namespace/dnsName} entries: namespace {@code *}, {@code .} (the Sidecar's own), {@code ~}
   *     (none) or a name; dnsName {@code *}, {@code *.suffix} or a fully qualified name
   */
  public record EgressListener(Port port, List<String> hosts) {
    public EgressListener {
      hosts = List.copyOf(Objects.requireNonNullElse(hosts, List.of()));
    }
  }

  /** An egress listener's port: number, and optional protocol and name (as a ServiceEntry port). */
  public record Port(int number, String protocol, String name) {
    public Port {
      protocol = Objects.requireNonNullElse(protocol, "");
      name = Objects.requireNonNullElse(name, "");
    }
  }

  /** Istio's {@code OutboundTrafficPolicy.Mode}; the proto's default (mode not written) is REGISTRY_ONLY. */
  public enum OutboundMode { REGISTRY_ONLY, ALLOW_ANY }

  /**
   * The workload's policy for destinations no service claims.
   *
   * @param mode null when not written, which means REGISTRY_ONLY ({@link #effectiveMode})
   */
  public record OutboundTrafficPolicy(OutboundMode mode) {
    /** The mode that applies: REGISTRY_ONLY when none is written, as in Istio (the enum's zero value). */
    public OutboundMode effectiveMode() {
      return mode == null ? OutboundMode.REGISTRY_ONLY : mode;
    }
  }

  /** True when the Sidecar names its workloads (a {@code workloadSelector}, even one without labels). */
  public boolean hasWorkloadSelector() {
    return workloadSelector != null;
  }

  @Override
  public Kind kind() {
    return Kind.SIDECAR;
  }
}
