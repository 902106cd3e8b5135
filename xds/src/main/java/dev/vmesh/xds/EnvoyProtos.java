package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.Protocols;
import dev.vmesh.registry.Endpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Pipe;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code EnvoyProtos} holds the small Envoy config builders the generators share. */
final class EnvoyProtos {
  static final String BLACKHOLE = "BlackHoleCluster";
  static final String PASSTHROUGH = "PassthroughCluster";
  static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(10).build();

  private EnvoyProtos() {}

  /** Config comes over the same ADS stream. */
  static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3).build();
  }

  static Address socket(String host, int port) {
    return Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  /** An endpoint's address: a socket address, or a pipe for unix sockets (port 0). */
  static Address address(Endpoint e) {
    if (e.port() == 0 && (e.address().startsWith("/") || e.address().startsWith("@"))) {
      return Address.newBuilder().setPipe(Pipe.newBuilder().setPath(e.address())).build();
    }
    return socket(e.address(), e.port());
  }

  /** Whether a port's protocol is handled by an HTTP connection manager. */
  static boolean isHttp(String protocol) {
    return Protocols.isHttp(protocol);
  }

  /**
   * The load assignment of one service port: healthy endpoints grouped by locality, each locality
   * weighted by the sum of its endpoints' weights (never 0: gRPC ignores zero-weight localities).
   * With {@code ipsOnly}, hostname endpoints are left out (EDS needs IPs).
   */
  static ClusterLoadAssignment loadAssignment(String clusterName, List<Endpoint> endpoints, int servicePort,
      boolean ipsOnly) {
    Map<String, LocalityLbEndpoints.Builder> byLocality = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      if (e.servicePort() != servicePort || !e.healthy()) {
        continue;
      }
      boolean pipe = e.port() == 0;
      if (ipsOnly && !pipe && !Addresses.isIp(e.address())) {
        continue;
      }
      LocalityLbEndpoints.Builder group = byLocality.computeIfAbsent(e.locality(), l -> LocalityLbEndpoints
          .newBuilder().setLocality(locality(l)).setLoadBalancingWeight(UInt32Value.of(0)));
      int weight = (int) Math.min(Math.max(1, e.weight()), 128L * 1024 * 1024);
      group.addLbEndpoints(LbEndpoint.newBuilder()
          .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(address(e)))
          .setHealthStatus(HealthStatus.HEALTHY)
          .setMetadata(ClusterTls.endpointMetadata(e))
          .setLoadBalancingWeight(UInt32Value.of(weight)));
      group.setLoadBalancingWeight(UInt32Value.of(group.getLoadBalancingWeight().getValue() + weight));
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
    byLocality.values().forEach(cla::addEndpoints);
    return cla.build();
  }

  static Locality locality(String locality) {
    if (locality.isEmpty()) {
      return Locality.getDefaultInstance();
    }
    String[] p = locality.split("/", 3);
    Locality.Builder b = Locality.newBuilder().setRegion(p[0]);
    if (p.length > 1) {
      b.setZone(p[1]);
    }
    if (p.length > 2) {
      b.setSubZone(p[2]);
    }
    return b.build();
  }

  /** An HTTP connection manager fetching route config {@code routeName} over ADS, with the Router filter last. */
  static HttpConnectionManager httpConnectionManager(String statPrefix, String routeName) {
    return HttpConnectionManager.newBuilder()
        .setStatPrefix(statPrefix)
        .setRds(Rds.newBuilder().setConfigSource(ads()).setRouteConfigName(routeName))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
  }

  static Filter httpFilter(String statPrefix, String routeName) {
    return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
        .setTypedConfig(Any.pack(httpConnectionManager(statPrefix, routeName))).build();
  }

  static Filter tcpProxy(String cluster) {
    return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build())).build();
  }
}
