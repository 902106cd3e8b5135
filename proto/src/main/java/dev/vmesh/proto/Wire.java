package dev.vmesh.proto;

import java.util.List;

/**
 * {@code Wire} spells, once, the names a VM agent and the server agree on over xDS beyond Envoy's own
 * types: the type URLs of Istio's name table (NDS) and health reports, and the node metadata keys a
 * proxy announces itself with. Both sides use these constants, so renaming one breaks compilation on
 * both, never the registration of a VM at run time. The names are Istio's: istio-agent and istiod use
 * the same ones, so either side can talk to Istio's counterpart.
 */
public final class Wire {
  /** Istio's DNS name table ({@link dev.vmesh.proto.nds.NameTable}), one resource per proxy. */
  public static final String NAME_TABLE_TYPE = "type.googleapis.com/istio.networking.nds.v1.NameTable";
  /**
   * Health reports: a request of this type carries the workload's health (an {@code error_detail}
   * means unhealthy); the server never answers it.
   */
  public static final String HEALTH_INFORMATION_TYPE = "type.googleapis.com/istio.v1.HealthInformation";
  /**
   * The prefix of the listener a proxyless gRPC server asks for (gRFC A36): its bootstrap's
   * {@code server_listener_resource_name_template} is this followed by {@code %s}, which gRPC replaces
   * with the address it listens on ({@code 0.0.0.0:50051}). Istio's: istio-agent writes the same.
   */
  public static final String GRPC_SERVER_LISTENER_PREFIX = "xds.istio.io/grpc/lds/inbound/";
  /** The certificate provider instance a proxyless app's bootstrap defines and xDS TLS settings name. */
  public static final String GRPC_CERTIFICATE_PROVIDER = "default";

  private Wire() {}

  /** Keys of the xDS node's metadata, and the few values whose spelling both sides read. */
  public static final class Meta {
    /** The proxy's namespace (a string). */
    public static final String NAMESPACE = "NAMESPACE";
    /** The proxy's Kubernetes service account (a string). */
    public static final String SERVICE_ACCOUNT = "SERVICE_ACCOUNT";
    /** The workload's addresses, comma-separated; the first is the one registered. */
    public static final String INSTANCE_IPS = "INSTANCE_IPS";
    /** The workload's labels (a struct of strings). */
    public static final String LABELS = "LABELS";
    /** The network the workload is on (a string; empty for the default network). */
    public static final String NETWORK = "NETWORK";
    /**
     * The networks whose endpoints the proxy wants to see, comma-separated (Istio's
     * {@code ISTIO_META_REQUESTED_NETWORK_VIEW}); endpoints of other networks are left out of its EDS. A
     * network gateway asks for its own network only.
     */
    public static final String REQUESTED_NETWORK_VIEW = "REQUESTED_NETWORK_VIEW";
    /** The cluster the proxy belongs to (a string). */
    public static final String CLUSTER_ID = "CLUSTER_ID";
    /** The WorkloadGroup (in the proxy's namespace) to auto-register a WorkloadEntry from. */
    public static final String AUTO_REGISTER_GROUP = "AUTO_REGISTER_GROUP";
    /** The WorkloadEntry (in the proxy's namespace) a proxy says it is, without auto-registration. */
    public static final String WORKLOAD_ENTRY = "WORKLOAD_ENTRY";
    /** Which generator serves the proxy; {@link #GENERATOR_GRPC} for proxyless gRPC clients. */
    public static final String GENERATOR = "GENERATOR";
    /** {@link #GENERATOR}'s value for proxyless gRPC clients. */
    public static final String GENERATOR_GRPC = "grpc";
    /** The proxy's ProxyConfig (a struct); {@link #READINESS_PROBE} inside it. */
    public static final String PROXY_CONFIG = "PROXY_CONFIG";
    /** The field of {@link #PROXY_CONFIG} holding the workload's readiness probe. */
    public static final String READINESS_PROBE = "readinessProbe";
    /** The Istio version the proxy speaks (a string). */
    public static final String ISTIO_VERSION = "ISTIO_VERSION";
    /**
     * The vmesh agent's own version (a string, the build's version, e.g. {@code 0.1.0}), on the agent's
     * own stream; {@code vmesh proxy-status} and {@code vmesh get we -o wide} show it, so a fleet's agent
     * versions are visible. {@link #ISTIO_VERSION} is the one proxies of other makes send.
     */
    public static final String VMESH_VERSION = "VMESH_VERSION";
    /** Set to "true" by a vmesh agent on its own stream. */
    public static final String VMESH_AGENT = "VMESH_AGENT";
    /** Whether the workload takes HBONE (ambient) traffic ("true" or a boolean). */
    public static final String ENABLE_HBONE = "ENABLE_HBONE";
    /** The keys that register a WorkloadEntry: only an agent's own stream may carry them. */
    public static final List<String> REGISTRATION = List.of(AUTO_REGISTER_GROUP, WORKLOAD_ENTRY);

    private Meta() {}
  }
}
