package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.Protocols;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
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
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

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

  /** Whether an endpoint is a unix socket (port 0 and a path or an abstract name), sent as a pipe. */
  static boolean isPipe(Endpoint e) {
    return e.port() == 0 && (e.address().startsWith("/") || e.address().startsWith("@"));
  }

  /** Whether a port's protocol is handled by an HTTP connection manager. */
  static boolean isHttp(String protocol) {
    return Protocols.isHttp(protocol);
  }

  /** Whether a port's protocol is detected per connection (no protocol given): HTTP and TCP chains both. */
  static boolean isAutoDetected(String protocol) {
    return Protocols.isAutoDetected(protocol);
  }

  /** Which endpoint addresses a load assignment may carry. */
  enum Targets {
    /** EDS for Envoy: IP addresses and unix sockets (pipes). */
    IPS_AND_PIPES,
    /** EDS for gRPC clients, which take socket addresses with an IP only. */
    IPS,
    /** A DNS cluster's own load assignment: hostnames (resolved by the client) and IPs. */
    HOSTS_AND_IPS
  }

  /** Largest weight of one endpoint, and of a locality: the sum of weights is a uint32 in Envoy and gRPC. */
  static final long MAX_WEIGHT = 0xFFFF_FFFFL;

  /**
   * The load assignment of one service port with every endpoint that receives traffic as it is (no split
   * horizon: DNS clusters' own assignments). Endpoints for which {@code mtls} holds carry
   * {@code tlsMode: istio} for the sidecar's transport socket match.
   */
  static ClusterLoadAssignment loadAssignment(String clusterName, Service service, int servicePort,
      Targets targets, Predicate<Endpoint> mtls) {
    List<SplitHorizon.Target> out = new ArrayList<>();
    for (Endpoint e : receiving(service, servicePort, targets)) {
      out.add(new SplitHorizon.Target(e.address(), e.port(), isPipe(e), e.locality(), Math.max(1, e.weight()),
          mtls.test(e)));
    }
    return loadAssignment(clusterName, out);
  }

  /**
   * The endpoints of one service port that receive traffic ({@link Service#healthyEndpoints()}: healthy,
   * one per address and port) and whose address {@code targets} allows, in order.
   */
  static List<Endpoint> receiving(Service service, int servicePort, Targets targets) {
    List<Endpoint> chosen = new ArrayList<>();
    for (Endpoint e : service.healthyEndpoints()) {
      if (e.servicePort() != servicePort) {
        continue;
      }
      boolean pipe = e.port() == 0;
      boolean ip = !pipe && Addresses.isIp(e.address());
      boolean allowed = switch (targets) {
        case IPS_AND_PIPES -> ip || pipe;
        case IPS -> ip;
        case HOSTS_AND_IPS -> !pipe;
      };
      if (allowed) {
        chosen.add(e);
      }
    }
    return chosen;
  }

  /**
   * A load assignment of {@code targets} grouped by locality, each locality weighted by the sum of its
   * endpoints' weights (never 0: gRPC ignores zero-weight localities). When the weights add up to more than
   * a uint32, every weight is scaled down in proportion (at least 1), so no sum overflows.
   */
  static ClusterLoadAssignment loadAssignment(String clusterName, List<SplitHorizon.Target> targets) {
    long total = 0;
    for (SplitHorizon.Target t : targets) {
      total += t.weight();
    }
    long budget = MAX_WEIGHT - targets.size(); // rounding each scaled weight up by one stays within a uint32
    Map<String, LocalityLbEndpoints.Builder> byLocality = new LinkedHashMap<>();
    Map<String, Long> localityWeights = new LinkedHashMap<>();
    for (SplitHorizon.Target t : targets) {
      long weight = t.weight();
      if (total > MAX_WEIGHT) {
        weight = Math.max(1, (long) ((double) weight * budget / total));
      }
      LocalityLbEndpoints.Builder group = byLocality.computeIfAbsent(t.locality(), l -> LocalityLbEndpoints
          .newBuilder().setLocality(locality(l)));
      Address address = t.pipe() ? Address.newBuilder().setPipe(Pipe.newBuilder().setPath(t.address())).build()
          : socket(t.address(), t.port());
      LbEndpoint.Builder lb = LbEndpoint.newBuilder()
          .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setAddress(address))
          .setHealthStatus(HealthStatus.HEALTHY)
          .setLoadBalancingWeight(UInt32Value.of((int) weight));
      if (t.mtls()) {
        lb.setMetadata(SidecarTls.istioEndpoint());
      }
      group.addLbEndpoints(lb);
      localityWeights.merge(t.locality(), weight, Long::sum);
    }
    ClusterLoadAssignment.Builder cla = ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
    byLocality.forEach((l, group) -> cla.addEndpoints(group.setLoadBalancingWeight(
        UInt32Value.of((int) (long) localityWeights.get(l)))));
    return cla.build();
  }

  /** A load assignment with only its first locality's first endpoint (LOGICAL_DNS takes exactly one host). */
  static ClusterLoadAssignment firstHostOnly(ClusterLoadAssignment cla) {
    LocalityLbEndpoints first = cla.getEndpoints(0).toBuilder().clearLbEndpoints()
        .addLbEndpoints(cla.getEndpoints(0).getLbEndpoints(0)).build();
    return cla.toBuilder().clearEndpoints().addEndpoints(first).build();
  }

  /** Makes {@code c} an EDS cluster whose endpoints come over ADS under its own name. */
  static void eds(Cluster.Builder c, String name) {
    c.setType(Cluster.DiscoveryType.EDS).setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
        .setEdsConfig(ads()).setServiceName(name));
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
        .addHttpFilters(router())
        .build();
  }

  /** The router, last of every HTTP filter list. */
  static HttpFilter router() {
    return HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance()))
        .build();
  }

  static Filter httpFilter(String statPrefix, String routeName) {
    return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
        .setTypedConfig(Any.pack(httpConnectionManager(statPrefix, routeName))).build();
  }

  /** A virtual host sending every request for {@code domains} to {@code cluster}. */
  static VirtualHost virtualHost(String name, Set<String> domains, String cluster) {
    return VirtualHost.newBuilder().setName(name).addAllDomains(domains)
        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(""))
            .setRoute(RouteAction.newBuilder().setCluster(cluster)))
        .build();
  }

  static Filter tcpProxy(String cluster) {
    return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy")
        .setTypedConfig(Any.pack(TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build())).build();
  }
}
