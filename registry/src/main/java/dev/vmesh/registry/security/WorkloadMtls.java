package dev.vmesh.registry.security;

import dev.vmesh.api.MtlsMode;
import java.util.Map;
import java.util.Objects;

/**
 * {@code WorkloadMtls} is the mTLS a workload's inbound side accepts, after composition: one mode for the
 * workload and, from its workload-level policy only, modes for some of its ports. No mode here is UNSET.
 *
 * @param mode the workload-wide mode
 * @param ports modes by the workload's own (target) port, each already resolved (an UNSET entry took the
 *     workload-wide mode); these ports also need passthrough chains of their own when no service names them
 */
public record WorkloadMtls(MtlsMode mode, Map<Integer, MtlsMode> ports) {
  /** What a workload gets when no policy applies: Istio's default, PERMISSIVE. */
  public static final WorkloadMtls DEFAULT = new WorkloadMtls(MtlsMode.PERMISSIVE, Map.of());

  public WorkloadMtls {
    Objects.requireNonNull(mode, "mode");
    if (mode == MtlsMode.UNSET || ports.containsValue(MtlsMode.UNSET)) {
      throw new IllegalArgumentException("a composed mode is never UNSET: " + mode + " " + ports);
    }
    ports = Map.copyOf(ports);
  }

  /** The mode at one of the workload's ports: the port's own entry if it has one, else the workload's mode. */
  public MtlsMode forPort(int port) {
    return ports.getOrDefault(port, mode);
  }
}
