package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * PeerAuthentication objects in the registry, composed as Istio composes them, decide the sidecar's
 * inbound chains per target port, its endpoints' {@code tlsMode} and its clients' automatic mTLS; a
 * policy that changes is pushed to the sidecars at once.
 */
class PeerAuthenticationShapesTheSidecarTest {
  static final String STRICT_WEB = """
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: {name: web, namespace: ns1}
      spec:
        selector: {matchLabels: {app: web}}
        mtls: {mode: STRICT}
        portLevelMtls:
          5432: {mode: PERMISSIVE}
      """;

  private static Listener inbound(Harness h) throws Exception {
    return new SidecarListenerType().generate(SidecarConfigHasIstiosShapesTest.WEB, "virtualInbound",
        new MeshView(() -> h.registry)).resource().unpack(Listener.class);
  }

  private static List<String> rows(Listener l, int port) {
    return l.getFilterChainsList().stream().filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == port)
        .map(c -> c.getFilterChainMatch().getTransportProtocol() + " " + c.hasTransportSocket()).toList();
  }

  @Test
  void aWorkloadPolicyWithAPortLevelModeShapesTheInboundChains() throws Exception {
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH + "---\n" + STRICT_WEB)) {
      Listener in = inbound(h);
      assertThat(rows(in, 8080)).containsExactly("tls true");
      assertThat(rows(in, 5432)).containsExactly("tls true", "tls false", "raw_buffer false");
    }
  }

  @Test
  void disableDropsTlsModeFromTheEndpointAndANamespaceDisableDropsTheClustersTls() throws Exception {
    String workloadDisable = STRICT_WEB.replace("STRICT", "DISABLE");
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH + "---\n" + workloadDisable)) {
      MeshView mesh = new MeshView(() -> h.registry);
      ClusterLoadAssignment cla = new EndpointType().generate(SidecarConfigHasIstiosShapesTest.WEB,
          "outbound|9080||reviews.ns1.svc.cluster.local", mesh).resource().unpack(ClusterLoadAssignment.class);
      assertThat(cla.getEndpoints(0).getLbEndpointsList()).allMatch(e -> !e.hasMetadata());
      assertThat(rows(inbound(h), 8080)).containsExactly("raw_buffer false");
      Cluster c = new SidecarClusterType().generate(SidecarConfigHasIstiosShapesTest.WEB,
          "outbound|9080||reviews.ns1.svc.cluster.local", mesh).resource().unpack(Cluster.class);
      assertThat(c.getTransportSocketMatchesCount()).as("workload-level DISABLE leaves the cluster's TLS").isEqualTo(2);
    }
    String namespaceDisable = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: ns1}
        spec: {mtls: {mode: DISABLE}}
        """;
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH + "---\n" + namespaceDisable)) {
      Cluster c = new SidecarClusterType().generate(SidecarConfigHasIstiosShapesTest.WEB,
          "outbound|9080||reviews.ns1.svc.cluster.local", new MeshView(() -> h.registry)).resource()
          .unpack(Cluster.class);
      assertThat(c.getTransportSocketMatchesList()).isEmpty();
    }
  }

  @Test
  void aPolicyChangeIsPushedToTheSidecar() throws Exception {
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.LISTENER, List.of(), null).toBuilder()
          .setNode(Harness.node(SidecarConfigHasIstiosShapesTest.WEB.id(), "ns1", false)).build());
      DiscoveryResponse first = rec.next();
      assertThat(rows(virtualInbound(first), 8080)).containsExactly("tls true", "raw_buffer false");
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.LISTENER, List.of(), first));

      h.upsert(STRICT_WEB);
      DiscoveryResponse after = rec.next();
      assertThat(after.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
      assertThat(rows(virtualInbound(after), 8080)).containsExactly("tls true");
    }
  }

  private static Listener virtualInbound(DiscoveryResponse r) throws Exception {
    for (var any : r.getResourcesList()) {
      Listener l = any.unpack(Listener.class);
      if (l.getName().equals("virtualInbound")) {
        return l;
      }
    }
    throw new AssertionError("no virtualInbound in " + r.getResourcesCount() + " listeners");
  }

}
