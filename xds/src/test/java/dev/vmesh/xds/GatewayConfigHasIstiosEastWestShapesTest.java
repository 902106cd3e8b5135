package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.registry.ClusterKey;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A network gateway's config from Istio's east-west files (istio-dataplane spec E.6, E.7): 15443 AUTO_PASSTHROUGH
 * with one chain per service port matching SNI {@code outbound_.PORT_._.HOST} and Istio's ALPNs, forwarded without
 * TLS to the cluster of the same name, whose endpoints are the gateway's own network's mTLS endpoints; 15012
 * passed through to the control plane's service by the VirtualService; sidecar config never reaches a gateway.
 */
class GatewayConfigHasIstiosEastWestShapesTest {
  /** Istio's samples/multicluster expose-services.yaml and expose-istiod.yaml, as they are. */
  static final String EXPOSE = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: cross-network-gateway, namespace: istio-system}
      spec:
        selector: {istio: eastwestgateway}
        servers:
        - port: {number: 15443, name: tls, protocol: TLS}
          tls: {mode: AUTO_PASSTHROUGH}
          hosts: ["*.local"]
      ---
      apiVersion: networking.istio.io/v1alpha3
      kind: Gateway
      metadata: {name: istiod-gateway, namespace: istio-system}
      spec:
        selector: {istio: eastwestgateway}
        servers:
        - port: {name: tls-istiod, number: 15012, protocol: tls}
          tls: {mode: PASSTHROUGH}
          hosts: ["*"]
        - port: {name: tls-istiodwebhook, number: 15017, protocol: tls}
          tls: {mode: PASSTHROUGH}
          hosts: ["*"]
      ---
      apiVersion: networking.istio.io/v1alpha3
      kind: VirtualService
      metadata: {name: istiod-vs, namespace: istio-system}
      spec:
        hosts: ["*"]
        gateways: [istiod-gateway]
        tls:
        - match: [{port: 15012, sniHosts: ["*"]}]
          route: [{destination: {host: istiod.istio-system.svc.cluster.local, port: {number: 15012}}}]
        - match: [{port: 15017, sniHosts: ["*"]}]
          route: [{destination: {host: istiod.istio-system.svc.cluster.local, port: {number: 443}}}]
      ---
      """;

  static final String MESH = EXPOSE + """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: istiod, namespace: istio-system}
      spec:
        hosts: [istiod.istio-system.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 15012, name: grpc-xds, protocol: TCP}]
        resolution: STATIC
        endpoints: [{address: 10.1.0.2}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web, namespace: apps}
      spec:
        hosts: [web.apps.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}, {number: 9000, name: tcp, protocol: TCP}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: ext, namespace: apps}
      spec:
        hosts: [api.example.local]
        location: MESH_EXTERNAL
        ports: [{number: 443, name: tls, protocol: TLS}]
        resolution: STATIC
        endpoints: [{address: 198.51.100.7}]
      ---
      """
      + EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.entry("web-n1", "10.1.0.5", "net1", "")
      + EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.entry("web-n1-plain", "10.1.0.6", "net1",
          ", security.istio.io/tlsMode: disabled")
      + EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.entry("web-n2", "10.2.0.5", "net2", "")
      + EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.gateway("gw1", "192.0.2.1", "net1")
      + EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.gateway("gw2", "192.0.2.2", "net2");

  static final Proxy GW1 = router("net1", Map.of("istio", "eastwestgateway", "app", "istio-eastwestgateway"));

  static Proxy router(String network, Map<String, String> labels) {
    Struct md = Struct.newBuilder().putFields("REQUESTED_NETWORK_VIEW", Value.newBuilder().setStringValue(network)
        .build()).build();
    return new Proxy("router~192.0.2.1~gw1.istio-system~istio-system.svc.cluster.local", "router",
        List.of("192.0.2.1"), "istio-system", labels, network, "", false, "", "", "", md,
        "spiffe://cluster.local/ns/istio-system/sa/istio-eastwestgateway");
  }

  static <T extends Message> T gen(ResourceType type, Proxy p, String name, Harness h, Class<T> cls)
      throws Exception {
    XdsResource r = type.generate(p, name, new MeshView(() -> h.registry));
    return r == null ? null : r.resource().unpack(cls);
  }

  @Test
  void autoPassthroughHasAChainPerServicePortBySniAndIstioAlpn() throws Exception {
    try (Harness h = new Harness(MESH)) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(new RouterListenerType().wildcardNames(GW1, mesh))
          .containsExactly("0.0.0.0_15012", "0.0.0.0_15017", "0.0.0.0_15443");
      Listener l = gen(new RouterListenerType(), GW1, "0.0.0.0_15443", h, Listener.class);
      assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(15443);
      assertThat(l.getListenerFiltersList()).extracting(f -> f.getName())
          .containsExactly("envoy.filters.listener.tls_inspector");
      assertThat(l.getFilterChainsList()).extracting(c -> c.getFilterChainMatch().getServerNames(0)).as("every"
          + " port of every non-external service under *.local, the control plane's included")
          .containsExactly("outbound_.15012_._.istiod.istio-system.svc.cluster.local",
              "outbound_.80_._.web.apps.svc.cluster.local", "outbound_.9000_._.web.apps.svc.cluster.local");
      FilterChain web = l.getFilterChains(1);
      assertThat(web.getFilterChainMatch().getApplicationProtocolsList())
          .containsExactly("istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2");
      assertThat(web.hasTransportSocket()).as("the gateway never terminates TLS").isFalse();
      assertThat(web.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster())
          .isEqualTo("outbound_.80_._.web.apps.svc.cluster.local");
    }
  }

  @Test
  void sniClustersCarryNoTlsAndOnlyTheGatewaysOwnNetworksMtlsEndpoints() throws Exception {
    try (Harness h = new Harness(MESH)) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(new RouterClusterType().wildcardNames(GW1, mesh)).containsExactly(
          "outbound_.15012_._.istiod.istio-system.svc.cluster.local", "outbound_.80_._.web.apps.svc.cluster.local",
          "outbound_.9000_._.web.apps.svc.cluster.local", "outbound|15012||istiod.istio-system.svc.cluster.local",
          "outbound|443||istiod.istio-system.svc.cluster.local");
      Cluster c = gen(new RouterClusterType(), GW1, "outbound_.80_._.web.apps.svc.cluster.local", h, Cluster.class);
      assertThat(c.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
      assertThat(c.getEdsClusterConfig().getServiceName()).isEqualTo("outbound_.80_._.web.apps.svc.cluster.local");
      assertThat(c.hasTransportSocket() || c.getTransportSocketMatchesCount() > 0).isFalse();
      assertThat(gen(new RouterClusterType(), GW1, "outbound|443||istiod.istio-system.svc.cluster.local", h,
          Cluster.class)).as("the service has no port 443").isNull();

      ClusterLoadAssignment cla = gen(new RouterEndpointType(), GW1, "outbound_.80_._.web.apps.svc.cluster.local", h,
          ClusterLoadAssignment.class);
      assertThat(EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.endpoints(cla)).as("not the plain-text"
          + " endpoint, not net2's, and never another gateway").containsExactly("10.1.0.5:8080 1 istio");
      ClusterLoadAssignment istiod = gen(new RouterEndpointType(), GW1,
          "outbound|15012||istiod.istio-system.svc.cluster.local", h, ClusterLoadAssignment.class);
      assertThat(EndpointsOnOtherNetworksGoThroughTheirGatewaysTest.endpoints(istiod)).containsExactly("10.1.0.2:15012 1");
    }
  }

  @Test
  void theControlPlaneIsPassedThroughOn15012WhateverTheSni() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Listener l = gen(new RouterListenerType(), GW1, "0.0.0.0_15012", h, Listener.class);
      assertThat(l.getFilterChainsList()).singleElement().satisfies(c -> {
        assertThat(c.getFilterChainMatch().getServerNamesList()).as("sniHosts *").isEmpty();
        assertThat(c.getFilterChainMatch().getApplicationProtocolsList()).isEmpty();
        assertThat(c.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster())
            .isEqualTo("outbound|15012||istiod.istio-system.svc.cluster.local");
      });
    }
  }

  @Test
  void gatewaysGetNoSidecarConfigAndSidecarsNoGatewayConfig() throws Exception {
    try (Harness h = new Harness(MESH)) {
      ResourceTypes types = ResourceTypes.ALL;
      assertThat(types.serving(TypeUrls.LISTENER, GW1)).singleElement().isInstanceOf(RouterListenerType.class);
      assertThat(types.serving(TypeUrls.CLUSTER, GW1)).singleElement().isInstanceOf(RouterClusterType.class);
      assertThat(types.serving(TypeUrls.ENDPOINT, GW1)).singleElement().isInstanceOf(RouterEndpointType.class);
      assertThat(types.serving(TypeUrls.ROUTE, GW1)).isEmpty();
      Proxy sidecar = SidecarConfigHasIstiosShapesTest.WEB;
      assertThat(types.serving(TypeUrls.LISTENER, sidecar)).singleElement().isInstanceOf(SidecarListenerType.class);
      assertThat(types.serving(TypeUrls.ENDPOINT, sidecar)).singleElement().isInstanceOf(EndpointType.class);

      Proxy unselected = router("net1", Map.of("app", "something-else"));
      assertThat(new RouterListenerType().wildcardNames(unselected, new MeshView(() -> h.registry))).isEmpty();
    }
  }

  @Test
  void ofTwoGatewaysOnOnePortTheOldestDecides() throws Exception {
    try (Harness h = new Harness(MESH + """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: later, namespace: istio-system}
        spec:
          selector: {istio: eastwestgateway}
          servers:
          - port: {number: 15443, name: tls-later, protocol: TLS}
            tls: {mode: PASSTHROUGH}
            hosts: ["*"]
        """)) {
      Listener l = gen(new RouterListenerType(), GW1, "0.0.0.0_15443", h, Listener.class);
      assertThat(l.getFilterChainsList()).allSatisfy(c -> assertThat(c.getFilterChainMatch().getApplicationProtocolsList())
          .as("still AUTO_PASSTHROUGH chains").isNotEmpty());
    }
  }

  @Test
  void sniClusterNamesReadBack() {
    var key = ClusterKey.ofSni("outbound_.80_._.web.apps.svc.cluster.local");
    assertThat(key).isEqualTo(ClusterKey.outbound("web.apps.svc.cluster.local", 80));
    assertThat(ClusterKey.ofSni("outbound_.x_._.web")).isNull();
    assertThat(ClusterKey.ofSni("outbound|80||web")).isNull();
    assertThat(ClusterKey.ofSni("outbound_.80_.v1_.web.example.com").subset()).isEqualTo("v1");
  }
}
