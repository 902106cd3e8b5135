package dev.vmesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;

/**
 * {@code XdsType} is what an xDS type is on the wire, the same for every {@link ResourceType} that
 * serves it to some kind of proxy. The types vmesh serves are spelled once here, so two resource types
 * sharing a URL share one value and cannot disagree on the rest ({@link ResourceTypes} checks).
 *
 * @param typeUrl the type URL requests and responses carry
 * @param shortName {@code cds}, {@code eds}, ...: the name of the type in metrics, logs and
 *     {@code /debug/syncz}
 * @param fullState whether a state-of-the-world response must carry every resource of this type the
 *     proxy subscribes to, so that one left out means "deleted" (listeners, clusters, the name table),
 *     rather than only what changed (endpoints, routes)
 * @param message the message a resource of this type is
 */
record XdsType(String typeUrl, String shortName, boolean fullState, Descriptor message) {
  static final XdsType CLUSTER = new XdsType(TypeUrls.CLUSTER, "cds", true, Cluster.getDescriptor());
  static final XdsType ENDPOINT =
      new XdsType(TypeUrls.ENDPOINT, "eds", false, ClusterLoadAssignment.getDescriptor());
  static final XdsType LISTENER = new XdsType(TypeUrls.LISTENER, "lds", true, Listener.getDescriptor());
  static final XdsType ROUTE = new XdsType(TypeUrls.ROUTE, "rds", false, RouteConfiguration.getDescriptor());
  static final XdsType NAME_TABLE = new XdsType(TypeUrls.NAME_TABLE, "nds", true, NameTable.getDescriptor());
}
