package dev.vmesh.bench.sidecar;

import com.google.protobuf.Any;
import dev.vmesh.agent.bootstrap.EnvoyBootstrap;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code EnvoyStartup} times a real Envoy taking a sidecar config: from starting the process to
 * Envoy's admin {@code /ready} answering 200 (initialization done: clusters and listeners warmed, their
 * SDS secrets in), with when each xDS type was asked for, sent and acknowledged in between, and Envoy's
 * CPU time. The config is one Envoy held (its {@code /config_dump?include_eds}), served back by
 * {@link StaticXds} in a chosen shape, so one run compares shapes of the same mesh.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.vmesh.bench.sidecar.EnvoyStartup DUMP.json ENVOY [key=value ...]
 *   runs=5 concurrency=2 tls=two|one|plain|none secrets=sds|inline endpoints=eds|static listeners=all|novip
 *   altstat=false stats=default|deferred|agent|minimal deferredclusters=false holdms=0 (all responses held that long after
 *   Envoy's first request, as an agent not yet connected would) sdsholdms=0 (SDS only)
 * </pre>
 */
public final class EnvoyStartup {
  private EnvoyStartup() {}

  public static void main(String[] args) throws Exception {
    Path dump = Path.of(args[0]);
    Path envoy = Path.of(args[1]);
    Map<String, String> o = new LinkedHashMap<>(Map.of("runs", "5", "concurrency", "2", "tls", "two",
        "secrets", "sds", "endpoints", "eds", "listeners", "all", "altstat", "false",
        "deferredclusters", "false", "holdms", "0"));
    o.put("sdsholdms", "0");
    o.put("stats", "default");
    for (int i = 2; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      if (!o.containsKey(kv[0])) {
        throw new IllegalArgumentException("unknown option " + kv[0] + "; known: " + o.keySet());
      }
      o.put(kv[0], kv[1]);
    }
    SidecarConfig config = SidecarConfig.read(dump);
    Path dir = Files.createTempDirectory("vmesh-envoystartup");
    Shapes.Secrets secrets = secrets(dir);
    List<Cluster> clusters = Shapes.clusters(config.clusters(), Shapes.Tls.valueOf(o.get("tls").toUpperCase()),
        o.get("secrets").equals("inline"), o.get("endpoints").equals("static"), config.endpoints(), secrets,
        Boolean.parseBoolean(o.get("altstat")));
    List<Listener> listeners = Shapes.listeners(config.listeners(), o.get("listeners").equals("novip"));
    System.out.printf("config: %d clusters, %d listeners, %d routes, %d endpoints; %s%n", clusters.size(),
        listeners.size(), config.routes().size(), config.endpoints().size(), o);

    Map<String, List<Long>> samples = new TreeMap<>();
    int runs = Integer.parseInt(o.get("runs"));
    for (int r = 0; r < runs; r++) {
      Map<String, Long> one = run(envoy, dir, o, secrets, SidecarConfig.pack(clusters), SidecarConfig.pack(listeners),
          SidecarConfig.pack(config.routes()), SidecarConfig.pack(config.endpoints()));
      System.out.println("run " + (r + 1) + ": " + one);
      one.forEach((k, v) -> samples.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    StringBuilder line = new StringBuilder("median of " + runs + ":");
    samples.forEach((k, v) -> line.append(' ').append(k).append('=').append(v.stream().sorted().toList()
        .get(v.size() / 2)));
    System.out.println(line);
  }

  private static Map<String, Long> run(Path envoy, Path dir, Map<String, String> o, Shapes.Secrets secrets,
      List<Any> clusters, List<Any> listeners, List<Any> routes, List<Any> endpoints) throws Exception {
    try (StaticXds xds = new StaticXds(clusters, listeners, routes, endpoints, secrets,
        Duration.ofMillis(Long.parseLong(o.get("holdms"))), Duration.ofMillis(Long.parseLong(o.get("sdsholdms"))))) {
      int admin = freePort();
      Path bootstrap = dir.resolve("bootstrap.json");
      Files.writeString(bootstrap, bootstrap(xds.port(), admin, o.get("stats"),
          Boolean.parseBoolean(o.get("deferredclusters"))));
      long t0 = System.nanoTime();
      xds.startClock(t0);
      Process p = new ProcessBuilder(envoy.toString(), "-c", bootstrap.toString(), "--disable-hot-restart",
          "--concurrency", o.get("concurrency"), "--log-level", "warn")
          .redirectErrorStream(true).redirectOutput(dir.resolve("envoy.log").toFile()).start();
      try {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(120);
        long ready = -1;
        while (System.nanoTime() < deadline && p.isAlive()) {
          try {
            var resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            if (resp.statusCode() == 200) {
              ready = System.nanoTime();
              break;
            }
          } catch (java.io.IOException notYet) {
            // admin not listening yet
          }
          Thread.sleep(10);
        }
        if (ready < 0) {
          throw new IllegalStateException("Envoy never became ready; see " + dir.resolve("envoy.log"));
        }
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("ready_ms", (ready - t0) / 1_000_000);
        out.putAll(xds.timeline());
        out.put("cpu_ms", cpuMillis(p.pid()));
        out.put("rss_mb", rssMb(p.pid()));
        String filter = java.net.URLEncoder.encode("^(server.initialization_time_ms|cluster_manager.active_clusters|"
            + "listener_manager.total_listeners_active|cluster_manager.cds.update_rejected|"
            + "listener_manager.lds.update_rejected)$", java.nio.charset.StandardCharsets.UTF_8);
        String stats = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin
            + "/stats?filter=" + filter)).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (String l : stats.split("\n")) {
          String[] kv = l.split(": ", 2);
          if (kv.length == 2 && kv[1].matches("\\d+")) {
            out.put(kv[0].substring(kv[0].lastIndexOf('.') + 1), Long.parseLong(kv[1]));
          }
        }
        return out;
      } finally {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      }
    }
  }

  static String bootstrap(int xdsPort, int adminPort, String stats, boolean deferredClusters) {
    String pipe = """
        {"name": "%s", "type": "STATIC", "connect_timeout": "1s",
         "load_assignment": {"cluster_name": "%1$s", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
           {"socket_address": {"address": "127.0.0.1", "port_value": %d}}}}]}]},
         "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
           "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
           "explicit_http_config": {"http2_protocol_options": {}}}}}""";
    return """
        {"node": {"id": "sidecar~10.89.0.2~client-1.bench~bench.svc.cluster.local", "cluster": "client.bench",
                  "metadata": {"NAMESPACE": "bench"}},
         "static_resources": {"clusters": [%s, %s]},
         "dynamic_resources": {"lds_config": {"ads": {}, "resource_api_version": "V3"},
           "cds_config": {"ads": {}, "resource_api_version": "V3"},
           "ads_config": {"api_type": "GRPC", "transport_api_version": "V3", "set_node_on_first_message_only": true,
             "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]}},
         %s%s
         "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": %d}}}}
        """.formatted(pipe.formatted("xds-grpc", xdsPort), pipe.formatted("sds-grpc", xdsPort),
        switch (stats) {
          case "default" -> "";
          case "deferred" -> "\"deferred_stat_options\": {\"enable_deferred_creation_stats\": true},";
          case "agent" -> { // the agent's own bootstrap settings
            String json = TreeWriter.json(EnvoyBootstrap.statsSettings(), false);
            yield json.substring(1, json.length() - 1) + ",";
          }
          case "minimal" -> "\"deferred_stat_options\": {\"enable_deferred_creation_stats\": true}," + MINIMAL_STATS;
          default -> throw new IllegalArgumentException("stats=default|deferred|agent|minimal, not " + stats);
        },
        deferredClusters ? "\"cluster_manager\": {\"enable_deferred_cluster_creation\": true}," : "", adminPort);
  }

  /** Only the stats of the proxy as a whole and a few per cluster and listener (near Istio's default). */
  static final String MINIMAL_STATS = """
      "stats_config": {"stats_matcher": {"inclusion_list": {"patterns": [
        {"prefix": "cluster_manager"}, {"prefix": "listener_manager"}, {"prefix": "server"},
        {"prefix": "cluster.xds-grpc"}, {"prefix": "cluster.sds-grpc"}, {"suffix": "ssl.handshake"},
        {"suffix": "upstream_cx_total"}, {"suffix": "upstream_rq_total"}, {"suffix": "upstream_cx_connect_fail"},
        {"suffix": "downstream_cx_total"}, {"suffix": "update_rejected"}, {"suffix": "update_success"}]}}},
      """;

  private static Shapes.Secrets secrets(Path dir) throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir.resolve("ca"), "cluster.local", Clock.systemUTC());
    var keys = KeyPairs.ecP256();
    var chain = ca.issue(keys.getPublic(), new CertificateAuthority.LeafSpec(
        List.of("spiffe://cluster.local/ns/bench/sa/client"), List.of(), List.of(), Duration.ofHours(24)));
    return new Shapes.Secrets(Pem.certificates(chain), Pem.privateKey(keys.getPrivate()),
        Pem.certificates(ca.roots()));
  }

  private static int freePort() throws java.io.IOException {
    try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static long cpuMillis(long pid) throws java.io.IOException {
    String[] f = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst("^.*\\) ", "").split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
    return ticks * 10; // USER_HZ is 100 on Linux
  }

  private static long rssMb(long pid) throws java.io.IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }
}
