package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.registry.network.NetworkGateway;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Split-horizon EDS as Istio does it (istio-dataplane spec E.5): per the proxy's network, endpoints on a
 * network with gateways become those gateways (weights summed and split, scaled by the LCM of gateway
 * counts), endpoints on a network without gateways stay direct, plain-text endpoints elsewhere are left
 * out, a proxy without a network goes through gateways, proxyless clients and network views see only what
 * they can reach, and what is left out says why.
 */
class EndpointsOnOtherNetworksGoThroughTheirGatewaysTest {
  static final String CLUSTER = "outbound|80||web.apps.svc.cluster.local";

  static String entry(String name, String ip, String network, String extraLabels) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: apps}
        spec: {address: %s, network: %s, serviceAccount: web, labels: {app: web%s}}
        ---
        """.formatted(name, ip, network, extraLabels);
  }

  static String gateway(String name, String ip, String network) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: istio-system, labels: {topology.istio.io/network: %s}}
        spec: {address: "%s", labels: {istio: eastwestgateway}, ports: {tls: 15443, tls-istiod: 15012}}
        ---
        """.formatted(name, network, ip);
  }

  static final String MESH = """
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
      """
      + entry("web-n1", "10.1.0.5", "net1", "")
      + entry("web-n2a", "10.2.0.5", "net2", "")
      + entry("web-n2b", "10.2.0.6", "net2", "")
      + entry("web-n2c", "10.2.0.7", "net2", "")
      + entry("web-n2-plain", "10.2.0.8", "net2", ", security.istio.io/tlsMode: disabled")
      + entry("web-n3", "10.3.0.5", "net3", "")
      + entry("web-n4", "10.4.0.5", "net4", "")
      + gateway("gw1", "192.0.2.1", "net1")
      + gateway("gw2a", "192.0.2.2", "net2")
      + gateway("gw2b", "192.0.2.3", "net2")
      + gateway("gw4", "2001:db8::4", "net4");

  static Proxy proxy(String ip, String network, boolean proxyless, String view) {
    Struct.Builder md = Struct.newBuilder();
    if (!view.isEmpty()) {
      md.putFields("REQUESTED_NETWORK_VIEW", Value.newBuilder().setStringValue(view).build());
    }
    return new Proxy("sidecar~" + ip + "~client.apps~apps.svc.cluster.local", "sidecar",
        ip.isEmpty() ? List.of() : List.of(ip), "apps", Map.of(),
        network, "", proxyless, "", "", "", md.build(), "");
  }

  /** Each endpoint as {@code address:port weight [istio]}. */
  static List<String> endpoints(ClusterLoadAssignment cla) {
    List<String> out = new ArrayList<>();
    cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e -> out.add(describe(e))));
    return out;
  }

  static String describe(LbEndpoint e) {
    var a = e.getEndpoint().getAddress().getSocketAddress();
    boolean istio = e.getMetadata().getFilterMetadataMap().containsKey("envoy.transport_socket_match");
    return a.getAddress() + ":" + a.getPortValue() + " " + e.getLoadBalancingWeight().getValue() + (istio ? " istio" : "");
  }

  static ClusterLoadAssignment eds(Harness h, Proxy p) throws Exception {
    return new EndpointType().generate(p, CLUSTER, new MeshView(() -> h.registry)).resource()
        .unpack(ClusterLoadAssignment.class);
  }

  @Test
  void aProxyReachesItsOwnNetworkDirectlyAndOthersThroughTheirGateways() throws Exception {
    try (Harness h = new Harness(MESH)) {
      assertThat(h.registry.networks().scaleFactor()).as("LCM of 1, 2 and 1 gateways").isEqualTo(2);
      // net2's three mTLS endpoints (weight 1 x 2) split evenly over its two gateways; net3 has no gateway,
      // so its endpoint stays direct; net2's plain-text endpoint cannot cross and is left out, and so is net4's,
      // whose only gateway is IPv6 while the proxy has an IPv4 address only
      assertThat(endpoints(eds(h, proxy("10.1.0.9", "net1", false, "")))).containsExactly(
          "10.1.0.5:8080 2 istio", "10.3.0.5:8080 2 istio", "192.0.2.2:15443 3 istio", "192.0.2.3:15443 3 istio");
      // 3 remote endpoints behind one gateway would be one endpoint of weight 3; here one, scaled by 2
      assertThat(endpoints(eds(h, proxy("10.2.0.9", "net2", false, "")))).containsExactly(
          "10.2.0.5:8080 2 istio", "10.2.0.6:8080 2 istio", "10.2.0.7:8080 2 istio", "10.2.0.8:8080 2",
          "10.3.0.5:8080 2 istio", "192.0.2.1:15443 2 istio");
    }
  }

  @Test
  void aProxyWithoutNetworkIsSentThroughTheGatewaysOfNetworksThatHaveThem() throws Exception {
    try (Harness h = new Harness(MESH)) {
      // (a proxy naming no address is taken to reach gateways of both families)
      assertThat(endpoints(eds(h, proxy("", "", false, "")))).containsExactly(
          "10.3.0.5:8080 2 istio", "192.0.2.1:15443 2 istio", "192.0.2.2:15443 3 istio", "192.0.2.3:15443 3 istio",
          "2001:db8::4:15443 2 istio");
    }
  }

  @Test
  void whatIsLeftOutIsReportedWithTheReason() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Proxy v4Only = proxy("10.1.0.9", "net1", false, "");
      HorizonReport report = HorizonReport.of(v4Only, List.of(CLUSTER), new MeshView(() -> h.registry));
      assertThat(report.gateways()).isEqualTo(4);
      assertThat(report.dropped()).extracting(d -> d.cluster() + " " + d.address() + ":" + d.port() + " " + d.network()
          + ": " + d.reason()).containsExactly(
              CLUSTER + " 10.2.0.8:8080 net2: " + SplitHorizon.Reason.NOT_MTLS.text,
              CLUSTER + " 10.4.0.5:8080 net4: " + SplitHorizon.Reason.NO_REACHABLE_GATEWAY.text);
      assertThat(report.droppedTotal()).isEqualTo(2);
      assertThat(report.network()).isEqualTo("net1");
    }
  }

  @Test
  void proxylessClientsGetOnlyWhatTheyReachDirectly() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Proxy grpc = proxy("10.1.0.9", "net1", true, "");
      assertThat(endpoints(eds(h, grpc))).containsExactly("10.1.0.5:8080 2", "10.3.0.5:8080 2");
      HorizonReport report = HorizonReport.of(grpc, List.of(CLUSTER), new MeshView(() -> h.registry));
      assertThat(report.droppedTotal()).isEqualTo(5);
      assertThat(report.dropped()).extracting(HorizonReport.Dropped::reason).containsOnly(SplitHorizon.Reason.PROXYLESS.text);
    }
  }

  @Test
  void aRequestedNetworkViewHidesOtherNetworks() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Proxy gatewayLike = proxy("10.1.0.9", "net1", false, "net1");
      assertThat(endpoints(eds(h, gatewayLike))).containsExactly("10.1.0.5:8080 2 istio");
      assertThat(HorizonReport.of(gatewayLike, List.of(CLUSTER), new MeshView(() -> h.registry)).dropped())
          .extracting(HorizonReport.Dropped::reason).containsOnly(SplitHorizon.Reason.NOT_IN_NETWORK_VIEW.text);
    }
  }

  @Test
  void weightsAreScaledThenSplitAndTheCacheIsKeptPerNetwork() throws Exception {
    var into = new TreeMap<NetworkGateway, Long>(
        NetworkGateway.ORDER);
    var gws = List.of(new NetworkGateway("n", "192.0.2.1", 15443, "t"),
        new NetworkGateway("n", "192.0.2.2", 15443, "t"),
        new NetworkGateway("n", "192.0.2.3", 15443, "t"));
    SplitHorizon.split(2, gws, into);
    assertThat(into.values()).as("less weight than gateways: 1 each until used up").containsExactly(1L, 1L);
    SplitHorizon.split(7, gws, into);
    assertThat(into.values()).as("7 over 3: 2 each, then 1 more").containsExactly(4L, 3L, 2L);

    EndpointType eds = new EndpointType();
    assertThat(eds.cacheVariant(proxy("10.1.0.9", "net1", false, "")))
        .isEqualTo(eds.cacheVariant(proxy("10.1.0.10", "net1", false, "")))
        .isNotEqualTo(eds.cacheVariant(proxy("10.1.0.9", "net2", false, "")))
        .isNotEqualTo(eds.cacheVariant(proxy("10.1.0.9", "net1", false, "net1")))
        .isNotEqualTo(eds.cacheVariant(proxy("10.1.0.9", "net1", true, "")));
  }

  @Test
  void aGatewayLeavingIsPushedToConnectedSidecars() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      Struct.Builder md = Harness.node("x", "apps", false).getMetadata().toBuilder()
          .putFields("NETWORK", Value.newBuilder().setStringValue("net1").build())
          .putFields("INSTANCE_IPS", Value.newBuilder().setStringValue("10.1.0.9").build());
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.ENDPOINT, List.of(CLUSTER), null).toBuilder()
          .setNode(Harness.node("sidecar~10.1.0.9~client.apps~apps.svc.cluster.local", "apps", false).toBuilder()
              .setMetadata(md)).build());
      DiscoveryResponse first = rec.next();
      assertThat(endpoints(first.getResources(0).unpack(ClusterLoadAssignment.class)))
          .contains("192.0.2.2:15443 3 istio", "192.0.2.3:15443 3 istio");
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.ENDPOINT, List.of(CLUSTER), first));

      h.delete(h.objects(gateway("gw2b", "192.0.2.3", "net2")).get(0));
      DiscoveryResponse after = rec.next();
      assertThat(endpoints(after.getResources(0).unpack(ClusterLoadAssignment.class))).as("one gateway per network:"
          + " scale factor 1").containsExactly("10.1.0.5:8080 1 istio", "10.3.0.5:8080 1 istio",
          "192.0.2.2:15443 3 istio");
    }
  }
}
