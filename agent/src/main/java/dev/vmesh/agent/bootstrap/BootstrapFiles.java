package dev.vmesh.agent.bootstrap;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.ca.Pem;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code BootstrapFiles} writes the bootstrap files local xDS clients start from. Both point at the
 * agent's local xDS proxy (a unix socket), never at the server: the agent holds the VM's certificate
 * and forwards. Proxyless gRPC apps read the gRPC bootstrap ({@code GRPC_XDS_BOOTSTRAP}); its
 * {@code file_watcher} certificate provider reads the certificate files the agent renews. Envoy reads
 * the Envoy bootstrap, which also names the agent's SDS service (same socket) for the mesh certificates
 * ({@code sds-grpc}, secrets {@code default} and {@code ROOTCA}).
 */
public final class BootstrapFiles {
  /** Envoy's admin port on loopback, as Istio's sidecar. */
  public static final int ENVOY_ADMIN_PORT = 15000;
  static final String XDS_CLUSTER = "xds-grpc";
  static final String SDS_CLUSTER = "sds-grpc";

  private BootstrapFiles() {}

  /** The gRPC xDS bootstrap JSON. */
  public static String grpc(Node node, Path xdsSocket, Path certDir) throws InvalidProtocolBufferException {
    Map<String, Object> server = new LinkedHashMap<>();
    server.put("server_uri", "unix://" + xdsSocket.toAbsolutePath());
    server.put("channel_creds", List.of(Map.of("type", "insecure")));
    server.put("server_features", List.of("xds_v3"));
    Map<String, Object> watcher = new LinkedHashMap<>();
    watcher.put("certificate_file", certDir.resolve("cert-chain.pem").toAbsolutePath().toString());
    watcher.put("private_key_file", certDir.resolve("key.pem").toAbsolutePath().toString());
    watcher.put("ca_certificate_file", certDir.resolve("root-cert.pem").toAbsolutePath().toString());
    watcher.put("refresh_interval", "60s");
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("xds_servers", List.of(server));
    root.put("node", nodeTree(node));
    root.put("certificate_providers", Map.of("default", Map.of("plugin_name", "file_watcher", "config", watcher)));
    return TreeWriter.json(root, true) + "\n";
  }

  /** The Envoy bootstrap JSON: ADS through the local proxy, SDS from the agent, admin on loopback. */
  public static String envoy(Node node, Path xdsSocket, boolean delta)
      throws InvalidProtocolBufferException {
    ConfigSource ads = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3).build();
    Bootstrap b = Bootstrap.newBuilder()
        .setNode(node)
        .setAdmin(Admin.newBuilder().setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
            .setAddress("127.0.0.1").setPortValue(ENVOY_ADMIN_PORT))))
        .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
            .setAdsConfig(ApiConfigSource.newBuilder()
                .setApiType(delta ? ApiConfigSource.ApiType.DELTA_GRPC : ApiConfigSource.ApiType.GRPC)
                .setTransportApiVersion(ApiVersion.V3).setSetNodeOnFirstMessageOnly(true)
                .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                    .setClusterName(XDS_CLUSTER))))
            .setCdsConfig(ads).setLdsConfig(ads))
        .setStaticResources(Bootstrap.StaticResources.newBuilder()
            .addClusters(pipeCluster(XDS_CLUSTER, xdsSocket))
            .addClusters(pipeCluster(SDS_CLUSTER, xdsSocket)))
        .build();
    JsonFormat.TypeRegistry types = JsonFormat.TypeRegistry.newBuilder()
        .add(HttpProtocolOptions.getDescriptor()).build();
    return JsonFormat.printer().usingTypeRegistry(types).print(b) + "\n";
  }

  private static Cluster pipeCluster(String name, Path socket) {
    HttpProtocolOptions h2 = HttpProtocolOptions.newBuilder().setExplicitHttpConfig(
        HttpProtocolOptions.ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(
            Http2ProtocolOptions.getDefaultInstance())).build();
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(h2))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                    .setPipe(Pipe.newBuilder().setPath(socket.toAbsolutePath().toString())))))))
        .build();
  }

  /** Writes {@code text} to {@code file} atomically, readable by the VM's apps. */
  public static void write(Path file, String text) throws IOException {
    java.nio.file.Files.createDirectories(file.getParent());
    Pem.writeAtomically(file, text, "rw-r--r--");
  }

  /**
   * The node as gRPC's bootstrap spells it: id, cluster, locality, metadata. The locality is always
   * written (empty when the node has none): grpc-js refuses a bootstrap whose node has no locality.
   */
  static Map<String, Object> nodeTree(Node node) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", node.getId());
    out.put("cluster", node.getCluster());
    out.put("locality", node.hasLocality() ? Map.of("region", node.getLocality().getRegion(), "zone",
        node.getLocality().getZone(), "sub_zone", node.getLocality().getSubZone()) : Map.of());
    out.put("metadata", tree(com.google.protobuf.Value.newBuilder().setStructValue(node.getMetadata()).build()));
    return out;
  }

  private static Object tree(com.google.protobuf.Value v) {
    return switch (v.getKindCase()) {
      case STRUCT_VALUE -> {
        Map<String, Object> m = new java.util.TreeMap<>();
        v.getStructValue().getFieldsMap().forEach((k, x) -> m.put(k, tree(x)));
        yield m;
      }
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(BootstrapFiles::tree).toList();
      case BOOL_VALUE -> v.getBoolValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case STRING_VALUE -> v.getStringValue();
      default -> null;
    };
  }
}
