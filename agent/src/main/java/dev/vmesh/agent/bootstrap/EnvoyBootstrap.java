package dev.vmesh.agent.bootstrap;

import dev.vmesh.api.codec.TreeWriter;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 *       nothing else of the admin API) to scrapers, as Istio's sidecar does;
 *   <li>which stats Envoy keeps ({@link #statsSettings}): with a mesh of 1,000 services Envoy holds 2,000
 *       clusters, and making every cluster's full set of stats was a quarter of Envoy's start.
 * </ul>
 *
 * Listeners and clusters for traffic come from the server over ADS.
 *
 * <p>The bootstrap is written as a plain JSON tree in Envoy's proto3 JSON spelling rather than built from
 * Envoy's API classes: those would load the descriptors of most of Envoy's API into a process that
 * otherwise never looks inside a cluster or listener (the agent forwards them as opaque bytes). The test
 * parses the result into Envoy's {@code Bootstrap} type and has a real Envoy validate it.
 */
public final class EnvoyBootstrap {
  static final String XDS_CLUSTER = "xds-grpc";
  static final String SDS_CLUSTER = "sds-grpc";
  static final String PROMETHEUS_CLUSTER = "prometheus_stats";
  private static final String TYPES = "type.googleapis.com/";

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
  public static String json(Node node, Path xdsSocket, boolean delta, Ports ports) {
    Map<String, Object> ads = map("ads", Map.of(), "resourceApiVersion", "V3");
    List<Object> clusters = new ArrayList<>(List.of(pipeCluster(XDS_CLUSTER, xdsSocket),
        pipeCluster(SDS_CLUSTER, xdsSocket)));
    Map<String, Object> statics = new LinkedHashMap<>();
    if (ports.prometheus() > 0) {
      clusters.add(map("name", PROMETHEUS_CLUSTER, "type", "STATIC", "connectTimeout", "0.250s",
          "loadAssignment", assignment(PROMETHEUS_CLUSTER, tcp("127.0.0.1", ports.admin()))));
      statics.put("listeners", List.of(prometheusListener(ports.prometheus())));
    }
    statics.put("clusters", clusters);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("node", BootstrapFiles.nodeTree(node, true));
    root.put("staticResources", statics);
    root.put("dynamicResources", map(
        "ldsConfig", ads,
        "cdsConfig", ads,
        "adsConfig", map("apiType", delta ? "DELTA_GRPC" : "GRPC", "transportApiVersion", "V3",
            "grpcServices", List.of(map("envoyGrpc", map("clusterName", XDS_CLUSTER))),
            "setNodeOnFirstMessageOnly", true)));
    root.put("admin", map("address", tcp("127.0.0.1", ports.admin())));
    root.putAll(statsSettings());
    return TreeWriter.json(root, true) + "\n";
  }

  /**
   * The bootstrap's stats settings: a cluster's traffic stats ({@code upstream_cx_*}, {@code upstream_rq_*}
   * ...) are made when the cluster first carries traffic ({@code deferred_stat_options}); of each
   * cluster's other stats only the TLS handshake and verification counters are kept (its membership,
   * load-balancer, circuit-breaker and per-cluster EDS update stats are not made: {@code stats_matcher}).
   * Everything of the proxy as a whole, the listeners, the HTTP connection managers and TCP proxies is
   * kept. Istio's sidecar keeps less (its inclusion list drops the per-cluster and per-listener stats,
   * which its own stats filter replaces); vmesh runs no such filter, so the traffic stats stay.
   */
  public static Map<String, Object> statsSettings() {
    List<Object> keep = new ArrayList<>();
    for (String prefix : KEPT_PREFIXES) {
      keep.add(map("prefix", prefix));
    }
    for (String part : KEPT_CLUSTER_STATS) {
      keep.add(map("contains", part));
    }
    return map("deferredStatOptions", map("enableDeferredCreationStats", true),
        "statsConfig", map("statsMatcher", map("inclusionList", map("patterns", keep))));
  }

  /** Stats kept whole: everything but the {@code cluster.} tree. */
  static final List<String> KEPT_PREFIXES = List.of("cluster_manager.", "listener_manager.", "listener.", "http.",
      "tcp.", "server.", "runtime.", "control_plane.", "main_thread.", "workers.", "filesystem.", "sds.", "vhost.",
      "http1.", "http2.", "cluster.xds-grpc.", "cluster.sds-grpc.");

  /** Of each cluster's stats, these (its traffic stats are made only once used). */
  static final List<String> KEPT_CLUSTER_STATS = List.of(".upstream_cx_", ".upstream_rq_", ".upstream_flow_control_",
      ".ssl.handshake", ".ssl.connection_error", ".ssl.fail_verify_", ".ssl.no_certificate", ".outlier_detection.");

  /** 0.0.0.0:port answering {@code /stats/prometheus} from the admin API; other paths get 404. */
  private static Map<String, Object> prometheusListener(int port) {
    Map<String, Object> route = map("match", map("prefix", "/stats/prometheus"),
        "route", map("cluster", PROMETHEUS_CLUSTER));
    Map<String, Object> hcm = map(
        "@type", TYPES + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        "statPrefix", "stats",
        "routeConfig", map("name", "local_route", "virtualHosts", List.of(map("name", "backend",
            "domains", List.of("*"), "routes", List.of(route)))),
        "httpFilters", List.of(map("name", "envoy.filters.http.router",
            "typedConfig", map("@type", TYPES + "envoy.extensions.filters.http.router.v3.Router"))));
    return map("name", "prometheus", "address", tcp("0.0.0.0", port),
        "filterChains", List.of(map("filters", List.of(map(
            "name", "envoy.filters.network.http_connection_manager", "typedConfig", hcm)))));
  }

  /** A static cluster to the agent over its unix socket, speaking HTTP/2 (gRPC). */
  private static Map<String, Object> pipeCluster(String name, Path socket) {
    String h2 = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    return map("name", name, "type", "STATIC", "connectTimeout", "1s",
        "loadAssignment", assignment(name, map("pipe", map("path", socket.toAbsolutePath().toString()))),
        "typedExtensionProtocolOptions", map(h2, map("@type", TYPES + h2,
            "explicitHttpConfig", map("http2ProtocolOptions", Map.of()))));
  }

  private static Map<String, Object> assignment(String name, Map<String, Object> address) {
    return map("clusterName", name, "endpoints", List.of(map("lbEndpoints", List.of(
        map("endpoint", map("address", address))))));
  }

  private static Map<String, Object> tcp(String host, int port) {
    return map("socketAddress", map("address", host, "portValue", port));
  }

  /** An ordered map of key/value pairs. */
  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
