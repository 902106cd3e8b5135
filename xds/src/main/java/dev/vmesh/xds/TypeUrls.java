package dev.vmesh.xds;

/**
 * {@code TypeUrls} spells the type URLs of the xDS resources vmesh serves, for requests built outside
 * the resource types (tests, tools). What a type is and does lives in its {@link ResourceType}.
 */
public final class TypeUrls {
  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  /** Istio's DNS name table (NDS). */
  public static final String NAME_TABLE = "type.googleapis.com/istio.networking.nds.v1.NameTable";
  /** Health reports sent by agents as requests; never answered. */
  public static final String HEALTH_INFO = "type.googleapis.com/istio.v1.HealthInformation";

  private TypeUrls() {}
}
