package dev.vmesh.bench.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code SidecarConfig} is the sidecar configuration one Envoy held, read back from that Envoy's
 * {@code /config_dump?include_eds} (what {@code bench/sidecar/run.sh DUMP=file} saves): its dynamic
 * clusters, listeners, route configurations and endpoints, as the messages the server sent.
 */
record SidecarConfig(List<Cluster> clusters, List<Listener> listeners, List<RouteConfiguration> routes,
    List<ClusterLoadAssignment> endpoints) {

  /** The messages a vmesh sidecar config packs into Any fields, and the dump's own. */
  static final JsonFormat.TypeRegistry TYPES = JsonFormat.TypeRegistry.newBuilder().add(List.<Descriptor>of(
      ClustersConfigDump.getDescriptor(), ListenersConfigDump.getDescriptor(), RoutesConfigDump.getDescriptor(),
      EndpointsConfigDump.getDescriptor(), Cluster.getDescriptor(), Listener.getDescriptor(),
      RouteConfiguration.getDescriptor(), ClusterLoadAssignment.getDescriptor(), HttpProtocolOptions.getDescriptor(),
      UpstreamTlsContext.getDescriptor(), DownstreamTlsContext.getDescriptor(), RawBuffer.getDescriptor(),
      HttpConnectionManager.getDescriptor(), Router.getDescriptor(), TcpProxy.getDescriptor(),
      OriginalDst.getDescriptor(), TlsInspector.getDescriptor(), HttpInspector.getDescriptor(),
      Secret.getDescriptor())).build();

  static SidecarConfig read(Path dump) throws IOException {
    Struct.Builder all = Struct.newBuilder();
    JsonFormat.parser().merge(Files.readString(dump), all);
    List<Cluster> clusters = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    for (Value config : all.getFieldsOrThrow("configs").getListValue().getValuesList()) {
      String type = config.getStructValue().getFieldsOrThrow("@type").getStringValue();
      String json = JsonFormat.printer().print(config);
      switch (type.substring(type.lastIndexOf('/') + 1)) {
        case "envoy.admin.v3.ClustersConfigDump" -> {
          for (var c : parse(json, ClustersConfigDump.newBuilder()).getDynamicActiveClustersList()) {
            clusters.add(c.getCluster().unpack(Cluster.class));
          }
        }
        case "envoy.admin.v3.ListenersConfigDump" -> {
          for (var l : parse(json, ListenersConfigDump.newBuilder()).getDynamicListenersList()) {
            listeners.add(l.getActiveState().getListener().unpack(Listener.class));
          }
        }
        case "envoy.admin.v3.RoutesConfigDump" -> {
          for (var r : parse(json, RoutesConfigDump.newBuilder()).getDynamicRouteConfigsList()) {
            routes.add(r.getRouteConfig().unpack(RouteConfiguration.class));
          }
        }
        case "envoy.admin.v3.EndpointsConfigDump" -> {
          for (var e : parse(json, EndpointsConfigDump.newBuilder()).getDynamicEndpointConfigsList()) {
            endpoints.add(e.getEndpointConfig().unpack(ClusterLoadAssignment.class));
          }
        }
        default -> { }
      }
    }
    return new SidecarConfig(clusters, listeners, routes, endpoints);
  }

  private static <B extends Message.Builder> B parse(String json, B b) throws InvalidProtocolBufferException {
    // the dump wraps each section in an Any: strip its @type so the section parses as its own message
    JsonFormat.parser().usingTypeRegistry(TYPES).ignoringUnknownFields().merge(json.replaceFirst(
        "\"@type\":\\s*\"[^\"]*\",?", ""), b);
    return b;
  }

  static List<Any> pack(List<? extends Message> messages) {
    return messages.stream().map(Any::pack).toList();
  }
}
