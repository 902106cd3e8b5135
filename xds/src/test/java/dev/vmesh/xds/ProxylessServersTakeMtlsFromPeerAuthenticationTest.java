package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An xDS-enabled gRPC server (gRFC A36) asks for {@code xds.istio.io/grpc/lds/inbound/IP:PORT} (or gRPC's
 * {@code grpc/server?xds.resource.listening_address=IP:PORT}) and gets a listener gRPC accepts: its own
 * address, no listener filters, one chain with an HTTP connection manager serving every call and the
 * router, and mTLS with the bootstrap's certificate provider when PeerAuthentication asks for it at that
 * port. PERMISSIVE cannot be served by a server that cannot detect TLS: it takes what mesh clients send
 * (mTLS when its endpoint has {@code tlsMode: istio}). Proxyless clients use mTLS only when automatic
 * mTLS picks it for every endpoint.
 */
class ProxylessServersTakeMtlsFromPeerAuthenticationTest {
  /** A proxyless server on web1 (10.0.0.5, tlsMode istio, ports 8080, 5432, 7070). */
  static final Proxy SERVER = proxy("10.0.0.5");
  /** A proxyless server on plain1 (10.0.0.6, tlsMode disabled). */
  static final Proxy PLAIN_SERVER = proxy("10.0.0.6");

  static final String STRICT_7070_DISABLED = """
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: {name: web, namespace: ns1}
      spec:
        selector: {matchLabels: {app: web}}
        mtls: {mode: STRICT}
        portLevelMtls:
          7070: {mode: DISABLE}
      """;

  private static Proxy proxy(String ip) {
    return new Proxy("sidecar~" + ip + "~app.ns1~ns1.svc.cluster.local", "sidecar", List.of(ip), "ns1", Map.of(), "",
        "", true, "", "", "", Struct.getDefaultInstance(), "");
  }

  private static String name(int port) {
    return "xds.istio.io/grpc/lds/inbound/0.0.0.0:" + port;
  }

  private static Listener listener(Harness h, Proxy p, String name) throws Exception {
    XdsResource r = new GrpcInboundListenerType().generate(p, name, new MeshView(() -> h.registry));
    return r == null ? null : r.resource().unpack(Listener.class);
  }

  /** {@code inbound-mtls} or {@code inbound-plaintext}, after checking the chain is one gRPC takes. */
  private static String chain(Listener l) throws Exception {
    assertThat(l.getListenerFiltersList()).as("gRPC refuses listener filters").isEmpty();
    assertThat(l.hasUseOriginalDst()).isFalse();
    assertThat(l.getFilterChainsList()).hasSize(1);
    FilterChain c = l.getFilterChains(0);
    assertThat(c.hasFilterChainMatch()).as("gRPC never matches a destination port, transport or ALPN").isFalse();
    HttpConnectionManager hcm = c.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    Route route = hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0);
    assertThat(hcm.getRouteConfig().getVirtualHosts(0).getDomainsList()).containsExactly("*");
    assertThat(route.getMatch().getPrefix()).isEqualTo("/");
    assertThat(route.hasNonForwardingAction()).as("servers refuse routes that forward").isTrue();
    assertThat(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName()).isEqualTo("envoy.filters.http.router");
    if (c.hasTransportSocket()) {
      DownstreamTlsContext tls = c.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
      assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
      CommonTlsContext common = tls.getCommonTlsContext();
      assertThat(common.getTlsCertificateProviderInstance().getInstanceName()).isEqualTo("default");
      assertThat(common.getTlsCertificateProviderInstance().getCertificateName()).isEqualTo("default");
      assertThat(common.getValidationContext().getCaCertificateProviderInstance().getCertificateName())
          .isEqualTo("ROOTCA");
      assertThat(common.hasTlsParams()).as("gRPC refuses tls_params").isFalse();
      assertThat(common.getValidationContext().getMatchSubjectAltNamesList()).as("refused on servers").isEmpty();
      // the trust domain is checked by RBAC instead (gRFC A41): callers of spiffe://cluster.local/ only
      HttpFilter rbac = hcm.getHttpFilters(0);
      assertThat(rbac.getName()).isEqualTo("envoy.filters.http.rbac");
      assertThat(rbac.getIsOptional()).as("a gRPC without RBAC still serves").isTrue();
      var rules = rbac.getTypedConfig().unpack(RBAC.class).getRules();
      assertThat(rules.getAction()).isEqualTo(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW);
      assertThat(rules.getPoliciesMap().values()).singleElement().satisfies(p -> {
        assertThat(p.getPermissionsList()).singleElement().satisfies(x -> assertThat(x.getAny()).isTrue());
        assertThat(p.getPrincipalsList()).singleElement().satisfies(x -> assertThat(
            x.getAuthenticated().getPrincipalName().getPrefix()).isEqualTo("spiffe://cluster.local/"));
      });
    } else {
      assertThat(hcm.getHttpFiltersList()).as("no caller identity in plain text: no RBAC").hasSize(1);
    }
    return c.getName();
  }

  @Test
  void strictAndPortLevelModesDecideEachPortsChain() throws Exception {
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH + "---\n" + STRICT_7070_DISABLED)) {
      Listener l = listener(h, SERVER, name(8080));
      assertThat(l.getName()).isEqualTo(name(8080));
      assertThat(l.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
      assertThat(l.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
      assertThat(chain(l)).isEqualTo("inbound-mtls");
      assertThat(chain(listener(h, SERVER, name(7070)))).as("port-level DISABLE").isEqualTo("inbound-plaintext");
      assertThat(chain(listener(h, SERVER, name(9999)))).as("a port no service targets: the workload's mode")
          .isEqualTo("inbound-mtls");
      assertThat(chain(listener(h, PLAIN_SERVER, name(8080)))).as("STRICT selects by labels, whatever the tlsMode")
          .isEqualTo("inbound-mtls");
      String json = new ConfigDump("c", SERVER, Map.of(), ResourceTypes.ALL.jsonTypes())
          .json(new GrpcInboundListenerType().generate(SERVER, name(8080), new MeshView(() -> h.registry)));
      assertThat(json).as("/debug/config_dump prints it").doesNotContain("cannot print")
          .contains("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext");
    }
  }

  @Test
  void permissiveTakesWhatMeshClientsSendAndDisableIsPlainText() throws Exception {
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH)) {
      assertThat(chain(listener(h, SERVER, name(8080)))).as("tlsMode istio: clients send mTLS")
          .isEqualTo("inbound-mtls");
      assertThat(chain(listener(h, PLAIN_SERVER, name(8080)))).as("tlsMode disabled: clients send plain text")
          .isEqualTo("inbound-plaintext");
      assertThat(chain(listener(h, SERVER, name(9999)))).as("no endpoint at the port: no mesh client")
          .isEqualTo("inbound-plaintext");
    }
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH + "---\n"
        + STRICT_7070_DISABLED.replace("STRICT", "DISABLE"))) {
      assertThat(chain(listener(h, SERVER, name(8080)))).isEqualTo("inbound-plaintext");
    }
  }

  @Test
  void theListenerNameCarriesTheAddressInEitherTemplate() throws Exception {
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH)) {
      Listener grpc = listener(h, SERVER, "grpc/server?xds.resource.listening_address=10.0.0.5:8080");
      assertThat(grpc.getAddress().getSocketAddress().getAddress()).isEqualTo("10.0.0.5");
      assertThat(chain(grpc)).isEqualTo("inbound-mtls");
      Listener v6 = listener(h, SERVER, "xds.istio.io/grpc/lds/inbound/[::]:8080");
      assertThat(v6.getAddress().getSocketAddress().getAddress()).isEqualTo("::");
      for (String bad : List.of("web.internal:8080", "0.0.0.0", "0.0.0.0:0", "0.0.0.0:70000", "0.0.0.0:x", "")) {
        assertThat(listener(h, SERVER, "xds.istio.io/grpc/lds/inbound/" + bad)).as(bad).isNull();
      }
    }
    assertThat(new GrpcListenerType().owns(name(8080))).isFalse();
    assertThat(new GrpcListenerType().owns("rpc.internal:7070")).isTrue();
    assertThat(new GrpcInboundListenerType().owns("rpc.internal:7070")).isFalse();
  }

  @Test
  void aServerAndItsClientListenersShareOneSubscriptionAndAPolicyChangeIsPushed() throws Exception {
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      // the node id carries the server's IP (10.0.0.5), as the agent's does
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.LISTENER, List.of(name(7070), "rpc.internal:7070"), null)
          .toBuilder().setNode(Harness.node(SERVER.id(), "ns1", true)).build());
      DiscoveryResponse first = rec.next();
      assertThat(names(first)).containsExactlyInAnyOrder(name(7070), "rpc.internal:7070");
      assertThat(chain(server(first))).isEqualTo("inbound-mtls");
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.LISTENER, List.of(name(7070), "rpc.internal:7070"),
          first));

      h.upsert(STRICT_7070_DISABLED);
      DiscoveryResponse after = rec.next();
      assertThat(names(after)).as("listeners are state of the world").contains(name(7070), "rpc.internal:7070");
      assertThat(chain(server(after))).isEqualTo("inbound-plaintext");
    }
  }

  @Test
  void proxylessClientsUseMtlsOnlyWhereAutomaticMtlsWouldForEveryEndpoint() throws Exception {
    String rpc = "outbound|7070||rpc.internal";
    try (Harness h = new Harness(SidecarConfigHasIstiosShapesTest.MESH)) {
      assertThat(clientTls(h, rpc)).as("plain1 has tlsMode disabled").isNull();
    }
    String onlyWeb = SidecarConfigHasIstiosShapesTest.MESH.replace("labels: {app: web, security.istio.io/tlsMode: "
        + "disabled}", "labels: {app: other, security.istio.io/tlsMode: disabled}");
    try (Harness h = new Harness(onlyWeb)) {
      UpstreamTlsContext tls = clientTls(h, rpc);
      assertThat(tls.getSni()).isEqualTo("outbound_.7070_._.rpc.internal");
      assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio", "h2");
      assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance().getInstanceName()).isEqualTo("default");
      assertThat(tls.getCommonTlsContext().getValidationContext().getMatchSubjectAltNamesList())
          .extracting(m -> m.getExact()).containsExactly("spiffe://cluster.local/ns/ns1/sa/web");
    }
    try (Harness h = new Harness(onlyWeb + "---\n" + STRICT_7070_DISABLED)) {
      assertThat(clientTls(h, rpc)).as("the endpoint's own mode at its port is DISABLE").isNull();
      assertThat(clientTls(h, "outbound|9080||reviews.ns1.svc.cluster.local")).as("STRICT at 8080").isNotNull();
    }
    try (Harness h = new Harness(onlyWeb + """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: ns1}
        spec: {mtls: {mode: DISABLE}}
        """)) {
      assertThat(clientTls(h, rpc)).as("namespace DISABLE").isNull();
    }
  }

  private static UpstreamTlsContext clientTls(Harness h, String cluster) throws Exception {
    Cluster c = new GrpcClusterType().generate(LoadAssignmentsPassGrpcClientValidationTest.GRPC, cluster,
        new MeshView(() -> h.registry)).resource().unpack(Cluster.class);
    return c.hasTransportSocket() ? c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class) : null;
  }

  private static List<String> names(DiscoveryResponse r) throws Exception {
    List<String> out = new ArrayList<>();
    for (var any : r.getResourcesList()) {
      out.add(any.unpack(Listener.class).getName());
    }
    return out;
  }

  private static Listener server(DiscoveryResponse r) throws Exception {
    for (var any : r.getResourcesList()) {
      Listener l = any.unpack(Listener.class);
      if (l.getName().equals(name(7070))) {
        return l;
      }
    }
    throw new AssertionError("no server listener");
  }
}
