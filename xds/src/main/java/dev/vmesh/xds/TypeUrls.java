package dev.vmesh.xds;

import java.util.List;
import java.util.Map;

/** {@code TypeUrls} names the xDS resource types vmesh serves, and their short names (cds, eds, ...). */
public final class TypeUrls {
  public static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  public static final String ENDPOINT = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  public static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  public static final String ROUTE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  /** Istio's DNS name table (NDS). */
  public static final String NAME_TABLE = "type.googleapis.com/istio.networking.nds.v1.NameTable";
  /** Health reports sent by agents as requests; never answered. */
  public static final String HEALTH_INFO = "type.googleapis.com/istio.v1.HealthInformation";

  /** Types with responses, in the order a full push sends them (clusters before endpoints, ...). */
  public static final List<String> SERVED = List.of(CLUSTER, ENDPOINT, LISTENER, ROUTE, NAME_TABLE);

  private static final Map<String, String> SHORT = Map.of(CLUSTER, "cds", ENDPOINT, "eds", LISTENER, "lds",
      ROUTE, "rds", NAME_TABLE, "nds", HEALTH_INFO, "health");

  private TypeUrls() {}

  /** {@code cds}, {@code eds}, ... for metrics and logs; the URL itself for unknown types. */
  public static String shortName(String typeUrl) {
    return SHORT.getOrDefault(typeUrl, typeUrl);
  }

  /**
   * Whether SotW responses of this type must carry every subscribed resource (absent means deleted):
   * listeners and clusters, per the xDS protocol; NDS is a single resource.
   */
  public static boolean isFullState(String typeUrl) {
    return typeUrl.equals(LISTENER) || typeUrl.equals(CLUSTER) || typeUrl.equals(NAME_TABLE);
  }
}
