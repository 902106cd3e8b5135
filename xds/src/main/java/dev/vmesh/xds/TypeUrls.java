package dev.vmesh.xds;

import dev.vmesh.proto.Wire;

/**
 * {@code TypeUrls} spells the type URLs of the xDS resources vmesh serves, for requests built outside
 * the resource types (tests, tools). What a type is and does lives in its {@link ResourceType}.
 */
public final class TypeUrls {
  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  /** Istio's DNS name table (NDS), spelled in {@link Wire} for the agent and the server. */
  public static final String NAME_TABLE = Wire.NAME_TABLE_TYPE;
  /** Health reports sent by agents as requests; never answered. */
  public static final String HEALTH_INFO = Wire.HEALTH_INFORMATION_TYPE;

  private TypeUrls() {}
}
