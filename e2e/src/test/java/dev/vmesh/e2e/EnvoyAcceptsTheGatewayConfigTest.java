package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.envoy.EnvoyBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Envoy 1.40 started as a network gateway ({@code router~} node, labels {@code istio: eastwestgateway},
 * network net1) against a real server loads the config Istio's east-west files give it: no update rejected,
 * nothing warming, listeners 15443 (AUTO_PASSTHROUGH chains by SNI and Istio's ALPNs), 15012 and 15017 (passed
 * through to the control plane's service), TLS-less SNI clusters whose endpoints are net1's mTLS workloads only.
 */
class EnvoyAcceptsTheGatewayConfigTest {
  @TempDir
  Path tmp;

  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: istiod, namespace: istio-system}
      spec:
        hosts: [istiod.istio-system.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 15012, name: tls-xds, protocol: TLS}, {number: 443, name: https-webhook, protocol: TLS}]
        resolution: STATIC
        endpoints: [{address: 10.78.0.2}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web, namespace: apps}
      spec:
        hosts: [web.apps.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web-net1, namespace: apps}
      spec: {address: 10.78.1.5, network: net1, serviceAccount: web, labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web-plain, namespace: apps}
      spec: {address: 10.78.1.6, network: net1, labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web-net2, namespace: apps}
      spec: {address: 10.78.2.5, network: net2, serviceAccount: web, labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: gw2, namespace: istio-system, labels: {topology.istio.io/network: net2}}
      spec: {address: 192.0.2.2, labels: {istio: eastwestgateway}, ports: {tls: 15443}}
      """;

  /** A bootstrap for a gateway Envoy talking ADS to the server's plaintext port, as a router node of net1. */
  static String bootstrap() {
    return """
        {"node": {"id": "router~10.78.0.9~gw1.istio-system~istio-system.svc.cluster.local",
                  "cluster": "istio-eastwestgateway",
                  "metadata": {"NAMESPACE": "istio-system", "NETWORK": "net1", "REQUESTED_NETWORK_VIEW": "net1",
                               "LABELS": {"istio": "eastwestgateway", "topology.istio.io/network": "net1"}}},
         "admin": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": 15000}}},
         "dynamic_resources": {
           "ads_config": {"api_type": "GRPC", "transport_api_version": "V3",
                          "grpc_services": [{"envoy_grpc": {"cluster_name": "xds-grpc"}}]},
           "cds_config": {"ads": {}, "resource_api_version": "V3"},
           "lds_config": {"ads": {}, "resource_api_version": "V3"}},
         "static_resources": {"clusters": [{"name": "xds-grpc", "type": "STATIC", "connect_timeout": "1s",
           "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
             "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
             "explicit_http_config": {"http2_protocol_options": {}}}},
           "load_assignment": {"cluster_name": "xds-grpc", "endpoints": [{"lb_endpoints": [{"endpoint": {"address":
             {"socket_address": {"address": "127.0.0.1", "port_value": 15010}}}}]}]}}]}}
        """;
  }

  @Test
  void istiosEastWestFilesBecomeAGatewayConfigEnvoyLoads() throws Exception {
    EnvoyUnderTest.assumeRunnable();
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.copy(Path.of("../api/src/test/resources/istio/expose-services.yaml"), config.resolve("expose-services.yaml"));
    Files.copy(Path.of("../api/src/test/resources/istio/expose-istiod.yaml"), config.resolve("expose-istiod.yaml"));
    Files.writeString(config.resolve("mesh.yaml"), MESH);
    Path boot = Files.writeString(tmp.resolve("gateway-bootstrap.json"), bootstrap());
    try (EnvoyUnderTest gw = new EnvoyUnderTest(tmp, "10.78.0.9")) {
      // the gateway listens on 15012 of every address: the server's own xDS port moves aside
      gw.startServerWithXdsOn(config, "127.0.0.1:16012", "--xds-plaintext-address", "127.0.0.1:15010");
      gw.background("envoy", envoy.toString(), "-c", boot.toString(), "--disable-hot-restart", "-l", "info");
      EnvoyAcceptsTheSidecarConfigTest.awaitLoaded(gw, "\"name\": \"0.0.0.0_15443\"", "\"name\": \"0.0.0.0_15012\"",
          "\"name\": \"0.0.0.0_15017\"", "outbound_.80_._.web.apps.svc.cluster.local",
          "outbound_.15012_._.istiod.istio-system.svc.cluster.local", "istio-peer-exchange", "istio-http/1.1",
          "outbound|15012||istiod.istio-system.svc.cluster.local", "outbound|443||istiod.istio-system.svc.cluster.local",
          "\"address\": \"10.78.1.5\"", "\"address\": \"10.78.0.2\"");
      String dump = gw.admin("/config_dump?include_eds");
      assertThat(dump).as("net2's workload and gateway, and net1's plain-text one, never reach a gateway of net1")
          .doesNotContain("10.78.2.5", "192.0.2.2", "10.78.1.6");
      assertThat(dump).as("no TLS is terminated or originated (no TLS context in any resource)")
          .doesNotContain("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        Map<String, Long> stats = EnvoyAcceptsTheSidecarConfigTest.stats(gw,
            "update_rejected|update_success|warming|listener_create_failure|total_listeners_active");
        String context = stats + gw.log("envoy") + gw.log("server");
        stats.forEach((k, v) -> {
          if (k.contains("rejected") || k.contains("warming") || k.contains("create_failure")) {
            assertThat(v).as(k + context).isZero();
          }
        });
        assertThat(stats.get("cluster_manager.cds.update_success")).as(context).isPositive();
        assertThat(stats.get("listener_manager.lds.update_success")).as(context).isPositive();
        assertThat(stats.get("listener_manager.total_listeners_active")).as(context).isEqualTo(3);
      });
    }
  }
}
