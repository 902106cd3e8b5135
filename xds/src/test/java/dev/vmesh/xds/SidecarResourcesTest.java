package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What an Envoy sidecar gets, per resolution, for its own workload, and for visibility. */
class SidecarResourcesTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: static, namespace: ns1}
      spec:
        hosts: [static.internal.com]
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: dns, namespace: ns1}
      spec:
        hosts: [api.example.org]
        ports: [{number: 443, name: tls, protocol: TLS}]
        resolution: DNS
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: rr, namespace: ns1}
      spec:
        hosts: [rr.example.org]
        ports: [{number: 5432, name: pg, protocol: TCP}]
        resolution: DNS_ROUND_ROBIN
        endpoints: [{address: db1.example.org}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: none, namespace: ns1}
      spec:
        hosts: [any.example.org]
        addresses: [10.50.0.0/16]
        ports: [{number: 9000, name: tcp, protocol: TCP}]
        resolution: NONE
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web1, namespace: ns1}
      spec: {address: 10.0.0.5, labels: {app: web}}
      """;

  static final Proxy SIDECAR = new Proxy("sidecar~10.0.0.5~web1.ns1~ns1.svc.cluster.local", "sidecar",
      List.of("10.0.0.5"), "ns1", Map.of(), "", "", false, "", "", "", Struct.getDefaultInstance(), "");
  static final Proxy OUTSIDER = new Proxy("x", "sidecar", List.of("10.9.9.9"), "ns2", Map.of(), "", "", false, "", "",
      "", Struct.getDefaultInstance(), "");

  private static Cluster cluster(Harness h, Proxy p, String name) throws InvalidProtocolBufferException {
    XdsResource r = new SidecarClusterType().generate(p, name, new MeshView(() -> h.registry));
    return r == null ? null : r.resource().unpack(Cluster.class);
  }

  @Test
  void clusterTypeFollowsResolution() throws Exception {
    try (Harness h = new Harness(MESH)) {
      assertThat(cluster(h, SIDECAR, "outbound|80||static.internal.com").getType()).isEqualTo(DiscoveryType.EDS);
      Cluster dns = cluster(h, SIDECAR, "outbound|443||api.example.org");
      assertThat(dns.getType()).isEqualTo(DiscoveryType.STRICT_DNS);
      assertThat(dns.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
          .getSocketAddress().getAddress()).isEqualTo("api.example.org");
      Cluster rr = cluster(h, SIDECAR, "outbound|5432||rr.example.org");
      assertThat(rr.getType()).isEqualTo(DiscoveryType.LOGICAL_DNS);
      assertThat(rr.getLoadAssignment().getEndpoints(0).getLbEndpointsCount()).isEqualTo(1);
      Cluster none = cluster(h, SIDECAR, "outbound|9000||any.example.org");
      assertThat(none.getType()).isEqualTo(DiscoveryType.ORIGINAL_DST);
      assertThat(none.getLbPolicy()).isEqualTo(Cluster.LbPolicy.CLUSTER_PROVIDED);
    }
  }

  @Test
  void theWorkloadsOwnPortsBecomeInboundClustersAndListenerChains() throws Exception {
    try (Harness h = new Harness(MESH)) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(new SidecarClusterType().wildcardNames(SIDECAR, mesh)).contains("inbound|8080||",
          "BlackHoleCluster", "PassthroughCluster");
      assertThat(new SidecarClusterType().wildcardNames(OUTSIDER, mesh)).doesNotContain("inbound|8080||");
      Cluster inbound = cluster(h, SIDECAR, "inbound|8080||");
      assertThat(inbound.getType()).isEqualTo(DiscoveryType.ORIGINAL_DST);
      assertThat(inbound.getUpstreamBindConfig().getSourceAddress().getAddress()).isEqualTo("127.0.0.6");
      Listener in = new SidecarListenerType().generate(SIDECAR, "virtualInbound", mesh).resource().unpack(Listener.class);
      assertThat(in.getAddress().getSocketAddress().getPortValue()).isEqualTo(15006);
      assertThat(in.getFilterChainsList()).extracting(fc -> fc.getFilterChainMatch().getDestinationPort().getValue())
          .contains(15006, 8080).doesNotContain(80);
    }
  }

  @Test
  void outboundListenersAndRoutesPerPort() throws Exception {
    try (Harness h = new Harness(MESH)) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(new SidecarListenerType().wildcardNames(SIDECAR, mesh)).contains("virtualOutbound", "virtualInbound",
          "0.0.0.0_80", "240.240.0.1_443", "240.240.0.2_5432"); // hostname order: api, rr, static
      Listener out = new SidecarListenerType().generate(SIDECAR, "virtualOutbound", mesh).resource().unpack(Listener.class);
      assertThat(out.getUseOriginalDst().getValue()).isTrue();
      Listener tcp = new SidecarListenerType().generate(SIDECAR, "240.240.0.1_443", mesh).resource().unpack(Listener.class);
      assertThat(tcp.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster())
          .isEqualTo("outbound|443||api.example.org");
      RouteConfiguration rc = new SidecarRouteType().generate(SIDECAR, "80", mesh).resource()
          .unpack(RouteConfiguration.class);
      assertThat(rc.getVirtualHostsList()).extracting(v -> v.getName()).containsExactly("static.internal.com:80",
          "allow_any");
      assertThat(rc.getVirtualHosts(0).getDomainsList()).contains("static.internal.com", "static.internal.com:80",
          "240.240.0.3", "240.240.0.3:80", "[2001:2::3]:80");
    }
  }

  @Test
  void servicesExportedElsewhereAreInvisible() throws Exception {
    try (Harness h = new Harness(MESH.replace("resolution: STATIC\n", "resolution: STATIC\n  exportTo: ['.']\n"))) {
      assertThat(cluster(h, SIDECAR, "outbound|80||static.internal.com")).isNotNull();
      assertThat(cluster(h, OUTSIDER, "outbound|80||static.internal.com")).isNull();
      assertThat(new SidecarClusterType().wildcardNames(OUTSIDER, new MeshView(() -> h.registry)))
          .doesNotContain("outbound|80||static.internal.com").contains("outbound|443||api.example.org");
    }
  }
}
