package dev.vmesh.api;

/** {@code WellKnown} holds the label and annotation names vmesh shares with Istio. */
public final class WellKnown {
  private WellKnown() {}

  /** Annotation on auto-registered WorkloadEntries: the WorkloadGroup they came from. */
  public static final String AUTO_REGISTRATION_GROUP = "istio.io/autoRegistrationGroup";
  /** Annotation: which control-plane replica currently owns the entry's connection. */
  public static final String WORKLOAD_CONTROLLER = "istio.io/workloadController";
  /** Annotation: RFC 3339 time the workload last connected. */
  public static final String CONNECTED_AT = "istio.io/connectedAt";
  /** Annotation: RFC 3339 time the workload last disconnected. */
  public static final String DISCONNECTED_AT = "istio.io/disconnectedAt";
  /** Annotation: the entry's health is decided by the agent's probe (condition {@code Healthy}). */
  public static final String HEALTH_CHECKS_ENABLED = "proxy.istio.io/health-checks-enabled";

  /** Label: overrides the endpoint's TLS mode ({@code istio} or {@code disabled}). */
  public static final String TLS_MODE = "security.istio.io/tlsMode";
  /** Label on a ServiceEntry: {@code "false"} opts it out of address auto-allocation. */
  public static final String ENABLE_AUTOALLOCATE_IP = "networking.istio.io/enable-autoallocate-ip";
  /** Label used as an endpoint's workload name. */
  public static final String WORKLOAD_NAME = "service.istio.io/workload-name";
  /** Legacy locality label ({@code region.zone.subzone}). */
  public static final String ISTIO_LOCALITY = "istio-locality";
  /** Locality label ({@code region.zone.subzone}). */
  public static final String TOPOLOGY_LOCALITY = "topology.istio.io/locality";
  public static final String TOPOLOGY_REGION = "topology.kubernetes.io/region";
  public static final String TOPOLOGY_ZONE = "topology.kubernetes.io/zone";
  public static final String TOPOLOGY_SUBZONE = "topology.istio.io/subzone";
  /**
   * The network label. On a WorkloadEntry it makes the entry a network gateway of that network (with the
   * gateway's mTLS port among its ports), as Istio's label on a gateway Service does.
   */
  public static final String TOPOLOGY_NETWORK = "topology.istio.io/network";
  /** Label on a network gateway: the port taking cross-network mTLS, when not {@link #DEFAULT_GATEWAY_PORT}. */
  public static final String GATEWAY_PORT = "networking.istio.io/gatewayPort";
  /** The port a network gateway takes cross-network mTLS on (AUTO_PASSTHROUGH), unless labelled otherwise. */
  public static final int DEFAULT_GATEWAY_PORT = 15443;
  /** Label on ServiceEntries: waypoint use (checked by DYNAMIC_DNS validation). */
  public static final String USE_WAYPOINT = "istio.io/use-waypoint";
}
