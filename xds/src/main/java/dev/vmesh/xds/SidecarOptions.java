package dev.vmesh.xds;

import java.util.Objects;

/**
 * {@code SidecarOptions} are the mesh-wide settings that shape an Envoy sidecar's config, Istio's
 * {@code MeshConfig} fields of the same meaning.
 *
 * @param outboundTrafficPolicy where a sidecar sends traffic for destinations the mesh does not know
 *     ({@code outboundTrafficPolicy.mode}; default ALLOW_ANY)
 * @param trustDomain the mesh's SPIFFE trust domain: inbound mTLS accepts client certificates whose URI SAN
 *     starts with {@code spiffe://<trustDomain>/}
 */
public record SidecarOptions(OutboundTrafficPolicy outboundTrafficPolicy, String trustDomain) {
  public static final SidecarOptions DEFAULTS = new SidecarOptions(OutboundTrafficPolicy.ALLOW_ANY, "cluster.local");

  public SidecarOptions {
    Objects.requireNonNull(outboundTrafficPolicy, "outboundTrafficPolicy");
    if (trustDomain.isEmpty()) {
      throw new IllegalArgumentException("the trust domain is empty");
    }
  }

  /** Istio's {@code MeshConfig.OutboundTrafficPolicy.Mode} (ALLOW_ANY_DYNAMIC_DNS is not supported). */
  public enum OutboundTrafficPolicy {
    /** Unknown destinations pass through to their original address (TCP and HTTP). */
    ALLOW_ANY,
    /** Unknown destinations are refused: TCP is closed, HTTP is answered 502. */
    REGISTRY_ONLY
  }

  /** These settings with {@code policy} instead (a workload's Sidecar overrides the mesh's). */
  SidecarOptions withOutboundTrafficPolicy(OutboundTrafficPolicy policy) {
    return policy == outboundTrafficPolicy ? this : new SidecarOptions(policy, trustDomain);
  }

  /** The cluster unknown destinations go to. */
  String catchAllCluster() {
    return outboundTrafficPolicy == OutboundTrafficPolicy.ALLOW_ANY ? EnvoyProtos.PASSTHROUGH : EnvoyProtos.BLACKHOLE;
  }
}
