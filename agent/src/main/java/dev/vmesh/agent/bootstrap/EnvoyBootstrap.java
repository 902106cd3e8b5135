package dev.vmesh.agent.bootstrap;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
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
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Path;

/**
 * {@code EnvoyBootstrap} is the bootstrap the agent writes for the VM's Envoy, with Istio's static
 * resources (section B.1 of the data-plane spec):
 *
 * <ul>
 *   <li>admin on 127.0.0.1 only (15000);
 *   <li>{@code xds-grpc}: ADS (SotW or delta) to the agent's local xDS proxy on its unix socket; the
 *       agent holds the VM's certificate and forwards to the server;
 *   <li>{@code sds-grpc}: the agent's SDS on the same socket, for secrets {@code default} (the workload
 *       certificate and key) and {@code ROOTCA} (the mesh roots) that the server's clusters name;
 *   <li>{@code prometheus_stats} and a listener on 15090 serving Envoy's {@code /stats/prometheus} (and
 *       nothing else of the admin API) to scrapers, as Istio's sidecar does.
 * </ul>
 *
 * Listeners and clusters for traffic come from the server over ADS.
 */
public final class EnvoyBootstrap {
  static final String XDS_CLUSTER = "xds-grpc";
  static final String SDS_CLUSTER = "sds-grpc";
  static final String PROMETHEUS_CLUSTER = "prometheus_stats";

  /**
   * Envoy's own ports.
   *
   * @param admin the admin API, bound to 127.0.0.1 (Istio's {@code proxyAdminPort}, 15000)
   * @param prometheus the listener that serves {@code /stats/prometheus} on every address (15090), 0 for none
   */
  public record Ports(int admin, int prometheus) {
    public static final Ports DEFAULTS = new Ports(15000, 15090);

    public Ports {
      if (admin < 1 || admin > 65535 || prometheus < 0 || prometheus > 65535) {
        throw new IllegalArgumentException("Envoy ports must be 1-65535 (prometheus 0 for none): admin " + admin
            + ", prometheus " + prometheus);
      }
    }
  }

  private EnvoyBootstrap() {}

  /** The bootstrap as JSON. */
  public static String json(Node node, Path xdsSocket, boolean delta, Ports ports)
      throws InvalidProtocolBufferException {
    ConfigSource ads = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3).build();
    Bootstrap.StaticResources.Builder statics = Bootstrap.StaticResources.newBuilder()
        .addClusters(pipeCluster(XDS_CLUSTER, xdsSocket))
        .addClusters(pipeCluster(SDS_CLUSTER, xdsSocket));
    if (ports.prometheus() > 0) {
      statics.addClusters(Cluster.newBuilder().setName(PROMETHEUS_CLUSTER).setType(Cluster.DiscoveryType.STATIC)
          .setConnectTimeout(Duration.newBuilder().setNanos(250_000_000))
          .setLoadAssignment(assignment(PROMETHEUS_CLUSTER, tcp("127.0.0.1", ports.admin()))));
      statics.addListeners(prometheusListener(ports.prometheus()));
    }
    Bootstrap b = Bootstrap.newBuilder()
        .setNode(node)
        .setAdmin(Admin.newBuilder().setAddress(tcp("127.0.0.1", ports.admin())))
        .setDynamicResources(Bootstrap.DynamicResources.newBuilder()
            .setAdsConfig(ApiConfigSource.newBuilder()
                .setApiType(delta ? ApiConfigSource.ApiType.DELTA_GRPC : ApiConfigSource.ApiType.GRPC)
                .setTransportApiVersion(ApiVersion.V3).setSetNodeOnFirstMessageOnly(true)
                .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                    .setClusterName(XDS_CLUSTER))))
            .setCdsConfig(ads).setLdsConfig(ads))
        .setStaticResources(statics)
        .build();
    JsonFormat.TypeRegistry types = JsonFormat.TypeRegistry.newBuilder()
        .add(HttpProtocolOptions.getDescriptor())
        .add(HttpConnectionManager.getDescriptor())
        .add(Router.getDescriptor())
        .build();
    return JsonFormat.printer().usingTypeRegistry(types).print(b) + "\n";
  }

  /** 0.0.0.0:port answering {@code /stats/prometheus} from the admin API; other paths get 404. */
  private static Listener prometheusListener(int port) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix("stats")
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setRouteConfig(RouteConfiguration.newBuilder().setName("local_route").addVirtualHosts(VirtualHost
            .newBuilder().setName("backend").addDomains("*").addRoutes(Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPrefix("/stats/prometheus"))
                .setRoute(RouteAction.newBuilder().setCluster(PROMETHEUS_CLUSTER)))))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder().setName("prometheus").setAddress(tcp("0.0.0.0", port))
        .addFilterChains(FilterChain.newBuilder().addFilters(Filter.newBuilder()
            .setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))))
        .build();
  }

  private static Cluster pipeCluster(String name, Path socket) {
    HttpProtocolOptions h2 = HttpProtocolOptions.newBuilder().setExplicitHttpConfig(
        HttpProtocolOptions.ExplicitHttpConfig.newBuilder().setHttp2ProtocolOptions(
            Http2ProtocolOptions.getDefaultInstance())).build();
    return Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(1))
        .putTypedExtensionProtocolOptions("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", Any.pack(h2))
        .setLoadAssignment(assignment(name, Address.newBuilder()
            .setPipe(Pipe.newBuilder().setPath(socket.toAbsolutePath().toString())).build()))
        .build();
  }

  private static ClusterLoadAssignment assignment(String name, Address address) {
    return ClusterLoadAssignment.newBuilder().setClusterName(name)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
            .setEndpoint(Endpoint.newBuilder().setAddress(address))))
        .build();
  }

  private static Address tcp(String host, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }
}
