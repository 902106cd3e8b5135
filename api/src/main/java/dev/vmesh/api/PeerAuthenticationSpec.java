package dev.vmesh.api;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code PeerAuthenticationSpec} is the spec of a PeerAuthentication ({@code security.istio.io}): which
 * workloads it applies to ({@code selector.matchLabels}; none for the whole namespace, or the whole mesh
 * in the root namespace), the mTLS mode they accept, and per-port modes keyed by the workload's own
 * (target) port.
 *
 * @param selector null when absent; present but empty ({@code selector: {}}) is kept as an empty selector
 * @param mode {@code mtls.mode}, {@link MtlsMode#UNSET} when absent
 * @param portLevelMtls null when absent (an empty map is {@code portLevelMtls: {}}, which is invalid);
 *     ordered by port
 */
public record PeerAuthenticationSpec(WorkloadSelector selector, MtlsMode mode, Map<Integer, MtlsMode> portLevelMtls)
    implements Spec {

  public PeerAuthenticationSpec {
    mode = Objects.requireNonNullElse(mode, MtlsMode.UNSET);
    portLevelMtls = portLevelMtls == null ? null : Collections.unmodifiableSortedMap(new TreeMap<>(portLevelMtls));
  }

  /** True when the policy names workloads by label (a non-empty {@code matchLabels}). */
  public boolean hasWorkloadSelector() {
    return selector != null && !selector.labels().isEmpty();
  }

  /** The port-level modes, empty when absent. */
  public Map<Integer, MtlsMode> ports() {
    return portLevelMtls == null ? Map.of() : portLevelMtls;
  }

  @Override
  public Kind kind() {
    return Kind.PEER_AUTHENTICATION;
  }
}
