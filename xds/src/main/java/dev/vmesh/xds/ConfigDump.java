package dev.vmesh.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Map;

/**
 * {@code ConfigDump} is what one connected proxy has been sent, for {@code /debug/config_dump}: per
 * type, each resource it holds, in the version it acknowledged or was last sent, and the resource as the
 * server generates it now (the same bytes when {@code current} is true).
 *
 * @param types short type name (cds, eds, lds, rds, nds) to the resources, in name order
 */
public record ConfigDump(String connectionId, Proxy proxy, Map<String, List<Entry>> types) {

  /** One resource: the version the proxy has, and whether the server's current one is that version. */
  public record Entry(String name, String versionSent, boolean current, XdsResource resource) {}

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(JsonFormat.TypeRegistry
      .newBuilder().add(List.of(Cluster.getDescriptor(), ClusterLoadAssignment.getDescriptor(),
          Listener.getDescriptor(), RouteConfiguration.getDescriptor(), NameTable.getDescriptor(),
          HttpConnectionManager.getDescriptor(), Router.getDescriptor(), TcpProxy.getDescriptor(),
          OriginalDst.getDescriptor(), UpstreamTlsContext.getDescriptor(), DownstreamTlsContext.getDescriptor()))
      .build());

  /** A resource as proto3 JSON (Envoy's own config_dump uses the same mapping). */
  public static String json(XdsResource resource) {
    try {
      return PRINTER.print(resource.resource());
    } catch (InvalidProtocolBufferException e) {
      return "{\"@type\": \"" + resource.resource().getTypeUrl() + "\", \"error\": \"cannot print: "
          + e.getMessage().replace("\"", "'") + "\"}";
    }
  }
}
