package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import dev.vmesh.xds.MtlsPolicies.Mode;
import dev.vmesh.xds.MtlsPolicies.WorkloadMode;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The names, SNI, ALPN and chain orders of Istio's sidecar config (istio-dataplane spec B and C), as
 * vmesh generates them: these strings are a wire contract with Istio's own proxies.
 */
class SidecarConfigHasIstiosShapesTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web1, namespace: ns1}
      spec: {address: 10.0.0.5, labels: {app: web}, serviceAccount: web}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: plain1, namespace: ns1}
      spec: {address: 10.0.0.6, labels: {app: web, security.istio.io/tlsMode: disabled}, serviceAccount: plain}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: reviews, namespace: ns1}
      spec:
        hosts: [reviews.ns1.svc.cluster.local]
        location: MESH_INTERNAL
        addresses: [10.96.0.10]
        ports: [{number: 9080, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: db, namespace: ns1}
      spec:
        hosts: [db.internal]
        location: MESH_INTERNAL
        addresses: [10.96.0.11]
        ports: [{number: 5432, name: tcp, protocol: TCP}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: rpc, namespace: ns1}
      spec:
        hosts: [rpc.internal]
        location: MESH_INTERNAL
        ports: [{number: 7070, name: grpc, protocol: GRPC}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: ext, namespace: ns1}
      spec:
        hosts: [ext.example.com]
        location: MESH_EXTERNAL
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        endpoints: [{address: 192.0.2.1}]
      """;

  static final Proxy WEB = new Proxy("sidecar~10.0.0.5~web1.ns1~ns1.svc.cluster.local", "sidecar", List.of("10.0.0.5"),
      "ns1", Map.of(), "", "", false, "", "", "", Struct.getDefaultInstance(), "");
  static final Proxy OTHER_NS = new Proxy("x", "sidecar", List.of("10.9.9.9"), "ns2", Map.of(), "", "", false, "", "",
      "", Struct.getDefaultInstance(), "");

  /** PeerAuthentication fixed for a test: one workload mode (with port modes) and one namespace mode. */
  record Fixed(WorkloadMode workload, Mode namespace) implements MtlsPolicies {
    @Override
    public WorkloadMode forWorkload(String ns, Map<String, String> labels) {
      return workload;
    }

    @Override
    public Mode namespaceMode(String ns) {
      return namespace;
    }
  }

  static MeshView mesh(Harness h, SidecarOptions.OutboundTrafficPolicy policy, MtlsPolicies mtls) {
    return new MeshView(() -> h.registry, new SidecarOptions(policy, "example.org"), () -> mtls);
  }

  static MeshView mesh(Harness h) {
    return mesh(h, SidecarOptions.OutboundTrafficPolicy.ALLOW_ANY, MtlsPolicies.PERMISSIVE);
  }

  private static <T extends Message> T gen(ResourceType type, Proxy p, String name, MeshView m,
      Class<T> cls) throws Exception {
    XdsResource r = type.generate(p, name, m);
    return r == null ? null : r.resource().unpack(cls);
  }

  @Test
  void outboundClustersChooseMtlsPerEndpointWithIstiosSniAlpnAndIdentities() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Cluster c = gen(new SidecarClusterType(), WEB, "outbound|9080||reviews.ns1.svc.cluster.local", mesh(h),
          Cluster.class);
      assertThat(c.getTransportSocketMatchesList()).extracting(Cluster.TransportSocketMatch::getName)
          .containsExactly("tlsMode-istio", "tlsMode-disabled");
      assertThat(c.getTransportSocketMatches(0).getMatch().getFieldsMap().get("tlsMode").getStringValue())
          .isEqualTo("istio");
      assertThat(c.getTransportSocketMatches(1).getMatch().getFieldsCount()).isZero();
      assertThat(c.getTransportSocketMatches(1).getTransportSocket().getName())
          .isEqualTo("envoy.transport_sockets.raw_buffer");
      UpstreamTlsContext tls = c.getTransportSocketMatches(0).getTransportSocket().getTypedConfig()
          .unpack(UpstreamTlsContext.class);
      assertThat(tls.getSni()).isEqualTo("outbound_.9080_._.reviews.ns1.svc.cluster.local");
      assertThat(tls.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio");
      assertThat(tls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");
      var validation = tls.getCommonTlsContext().getCombinedValidationContext();
      assertThat(validation.getValidationContextSdsSecretConfig().getName()).isEqualTo("ROOTCA");
      assertThat(validation.getValidationContextSdsSecretConfig().getSdsConfig().getApiConfigSource()
          .getGrpcServices(0).getEnvoyGrpc().getClusterName()).isEqualTo("sds-grpc");
      assertThat(validation.getDefaultValidationContext().getMatchTypedSubjectAltNamesList())
          .extracting(m -> m.getMatcher().getExact())
          .containsExactly("spiffe://cluster.local/ns/ns1/sa/plain", "spiffe://cluster.local/ns/ns1/sa/web");

      Cluster grpc = gen(new SidecarClusterType(), WEB, "outbound|7070||rpc.internal", mesh(h), Cluster.class);
      assertThat(grpc.getTransportSocketMatches(0).getTransportSocket().getTypedConfig()
          .unpack(UpstreamTlsContext.class).getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio", "h2");
      assertThat(grpc.getTypedExtensionProtocolOptionsMap()).containsKey(SidecarClusterType.HTTP_OPTIONS);

      Cluster external = gen(new SidecarClusterType(), WEB, "outbound|80||ext.example.com", mesh(h), Cluster.class);
      assertThat(external.getTransportSocketMatchesList()).isEmpty();
      Cluster nsDisabled = gen(new SidecarClusterType(), WEB, "outbound|9080||reviews.ns1.svc.cluster.local",
          mesh(h, SidecarOptions.OutboundTrafficPolicy.ALLOW_ANY, new Fixed(WorkloadMode.DEFAULT, Mode.DISABLE)),
          Cluster.class);
      assertThat(nsDisabled.getTransportSocketMatchesList()).as("namespace DISABLE: no TLS, even to a STRICT workload")
          .isEmpty();
    }
  }

  @Test
  void staticClustersAreIstios() throws Exception {
    try (Harness h = new Harness(MESH)) {
      assertThat(new SidecarClusterType().wildcardNames(WEB, mesh(h))).contains("BlackHoleCluster",
          "PassthroughCluster", "InboundPassthroughCluster", "inbound|8080||", "inbound|5432||", "inbound|7070||");
      Cluster in = gen(new SidecarClusterType(), WEB, "inbound|8080||", mesh(h), Cluster.class);
      assertThat(in.getType()).isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
      assertThat(in.getLbPolicy()).isEqualTo(Cluster.LbPolicy.CLUSTER_PROVIDED);
      assertThat(in.getUpstreamBindConfig().getSourceAddress().getAddress()).isEqualTo("127.0.0.6");
      var toApp = in.getTypedExtensionProtocolOptionsOrThrow(SidecarClusterType.HTTP_OPTIONS)
          .unpack(HttpProtocolOptions.class);
      assertThat(toApp.getUseDownstreamProtocolConfig().hasHttp2ProtocolOptions())
          .as("gRPC reaches the app over HTTP/2, HTTP/1.1 over HTTP/1.1").isTrue();
      assertThat(toApp.getUseDownstreamProtocolConfig().hasHttpProtocolOptions()).isTrue();
      Cluster inPass = gen(new SidecarClusterType(), WEB, "InboundPassthroughCluster", mesh(h), Cluster.class);
      assertThat(inPass.getUpstreamBindConfig().getSourceAddress().getAddress()).isEqualTo("127.0.0.6");
      assertThat(gen(new SidecarClusterType(), WEB, "PassthroughCluster", mesh(h), Cluster.class).getType())
          .isEqualTo(Cluster.DiscoveryType.ORIGINAL_DST);
      Cluster blackhole = gen(new SidecarClusterType(), WEB, "BlackHoleCluster", mesh(h), Cluster.class);
      assertThat(blackhole.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
      assertThat(blackhole.getLoadAssignment().getEndpointsCount()).isZero();
    }
  }

  @Test
  void endpointsTakeMtlsByTheirTlsModeAndTheirOwnPolicyAtTheirPort() throws Exception {
    try (Harness h = new Harness(MESH)) {
      String name = "outbound|9080||reviews.ns1.svc.cluster.local";
      ClusterLoadAssignment cla = gen(new EndpointType(), WEB, name, mesh(h), ClusterLoadAssignment.class);
      assertThat(cla.getEndpoints(0).getLbEndpointsList()).extracting(SidecarConfigHasIstiosShapesTest::address,
          SidecarConfigHasIstiosShapesTest::tlsMode).containsExactly(
              Tuple.tuple("10.0.0.5", "istio"), // serviceAccount
              Tuple.tuple("10.0.0.6", "")); // label security.istio.io/tlsMode: disabled
      MeshView portDisabled = mesh(h, SidecarOptions.OutboundTrafficPolicy.ALLOW_ANY,
          new Fixed(new WorkloadMode(Mode.STRICT, Map.of(8080, Mode.DISABLE)), Mode.PERMISSIVE));
      assertThat(gen(new EndpointType(), WEB, name, portDisabled, ClusterLoadAssignment.class).getEndpoints(0)
          .getLbEndpointsList()).extracting(SidecarConfigHasIstiosShapesTest::tlsMode).containsOnly("");
      assertThat(gen(new EndpointType(), WEB, "outbound|5432||db.internal", portDisabled, ClusterLoadAssignment.class)
          .getEndpoints(0).getLbEndpoints(0)).extracting(SidecarConfigHasIstiosShapesTest::tlsMode).isEqualTo("istio");
    }
  }

  private static String address(LbEndpoint e) {
    return e.getEndpoint().getAddress().getSocketAddress().getAddress();
  }

  private static String tlsMode(LbEndpoint e) {
    var md = e.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
    return md == null ? "" : md.getFieldsMap().get("tlsMode").getStringValue();
  }

  @Test
  void virtualOutboundBlackholesItselfAndCatchesAllByThePolicy() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Listener allow = gen(new SidecarListenerType(), WEB, "virtualOutbound", mesh(h), Listener.class);
      assertThat(allow.getUseOriginalDst().getValue()).isTrue();
      assertThat(allow.getFilterChainsList()).extracting(FilterChain::getName)
          .containsExactly("virtualOutbound-blackhole", "virtualOutbound-catchall-tcp");
      assertThat(allow.getFilterChains(0).getFilterChainMatch().getDestinationPort().getValue()).isEqualTo(15001);
      assertThat(tcpCluster(allow.getFilterChains(0))).isEqualTo("BlackHoleCluster");
      assertThat(tcpCluster(allow.getFilterChains(1))).isEqualTo("PassthroughCluster");
      MeshView registryOnly = mesh(h, SidecarOptions.OutboundTrafficPolicy.REGISTRY_ONLY, MtlsPolicies.PERMISSIVE);
      Listener only = gen(new SidecarListenerType(), WEB, "virtualOutbound", registryOnly, Listener.class);
      assertThat(tcpCluster(only.getFilterChains(1))).isEqualTo("BlackHoleCluster");

      assertThat(new SidecarListenerType().wildcardNames(WEB, mesh(h))).contains("0.0.0.0_9080", "10.96.0.11_5432",
          "0.0.0.0_7070");
      Listener tcp = gen(new SidecarListenerType(), WEB, "10.96.0.11_5432", mesh(h), Listener.class);
      assertThat(tcp.getBindToPort().getValue()).isFalse();
      assertThat(tcpCluster(tcp.getFilterChains(0))).isEqualTo("outbound|5432||db.internal");
      Listener http = gen(new SidecarListenerType(), WEB, "0.0.0.0_9080", mesh(h), Listener.class);
      assertThat(http.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class).getRds()
          .getRouteConfigName()).isEqualTo("9080");
    }
  }

  @Test
  void servicePortsOnEnvoysOwnPortsDoNotCollideWithItsListeners() throws Exception {
    String mesh = MESH + """
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: clash, namespace: ns1}
        spec:
          hosts: [clash.internal]
          location: MESH_INTERNAL
          ports: [{number: 15001, name: http, protocol: HTTP, targetPort: 15006}]
          resolution: STATIC
          workloadSelector: {labels: {app: web}}
        """;
    try (Harness h = new Harness(mesh)) {
      assertThat(new SidecarListenerType().wildcardNames(WEB, mesh(h))).doesNotContain("0.0.0.0_15001");
      assertThat(gen(new SidecarListenerType(), WEB, "0.0.0.0_15001", mesh(h), Listener.class)).isNull();
      Listener in = inbound(h, WorkloadMode.DEFAULT);
      assertThat(in.getFilterChainsList()).filteredOn(c -> c.getFilterChainMatch().getDestinationPort().getValue()
          == 15006).extracting(FilterChain::getName).containsExactly("virtualInbound-blackhole");
    }
  }

  private static String tcpCluster(FilterChain c) throws Exception {
    return c.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster();
  }

  @Test
  void routesAnswerEveryNameOfAServiceAndTheCatchAllFollowsThePolicy() throws Exception {
    try (Harness h = new Harness(MESH)) {
      RouteConfiguration rc = gen(new SidecarRouteType(), WEB, "9080", mesh(h), RouteConfiguration.class);
      assertThat(rc.getVirtualHostsList()).extracting(v -> v.getName())
          .containsExactly("reviews.ns1.svc.cluster.local:9080", "allow_any");
      assertThat(rc.getVirtualHosts(0).getDomainsList()).containsExactly("reviews.ns1.svc.cluster.local",
          "reviews.ns1.svc.cluster.local:9080", "reviews.ns1.svc", "reviews.ns1.svc:9080", "reviews.ns1",
          "reviews.ns1:9080", "reviews", "reviews:9080", "10.96.0.10", "10.96.0.10:9080");
      assertThat(rc.getVirtualHosts(1).getRoutes(0).getRoute().getCluster()).isEqualTo("PassthroughCluster");
      RouteConfiguration fromNs2 = gen(new SidecarRouteType(), OTHER_NS, "9080", mesh(h), RouteConfiguration.class);
      assertThat(fromNs2.getVirtualHosts(0).getDomainsList()).contains("reviews.ns1").doesNotContain("reviews");
      RouteConfiguration blocked = gen(new SidecarRouteType(), WEB, "9080",
          mesh(h, SidecarOptions.OutboundTrafficPolicy.REGISTRY_ONLY, MtlsPolicies.PERMISSIVE), RouteConfiguration.class);
      assertThat(blocked.getVirtualHosts(1).getName()).isEqualTo("block_all");
      assertThat(blocked.getVirtualHosts(1).getRoutes(0).getDirectResponse().getStatus()).isEqualTo(502);
    }
  }

  /** One chain as "port transport [alpn] http|tcp mtls|plain". */
  private static String row(FilterChain c) {
    var m = c.getFilterChainMatch();
    String kind = c.getFilters(0).getName().contains("http_connection_manager") ? "http" : "tcp";
    return (m.hasDestinationPort() ? m.getDestinationPort().getValue() : 0) + " " + m.getTransportProtocol()
        + " " + m.getApplicationProtocolsList() + " " + kind + " " + (c.hasTransportSocket() ? "mtls" : "plain");
  }

  private Listener inbound(Harness h, WorkloadMode mode) throws Exception {
    return gen(new SidecarListenerType(), WEB, "virtualInbound",
        mesh(h, SidecarOptions.OutboundTrafficPolicy.ALLOW_ANY, new Fixed(mode, Mode.PERMISSIVE)), Listener.class);
  }

  static final String ISTIO = "[istio-http/1.0, istio-http/1.1, istio-h2, istio-peer-exchange, istio]";

  @Test
  void inboundChainsFollowTheModeOfEachTargetPortInIstiosOrder() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Listener strict = inbound(h, new WorkloadMode(Mode.STRICT, Map.of(5432, Mode.PERMISSIVE, 7070, Mode.DISABLE,
          9999, Mode.DISABLE)));
      assertThat(strict.getFilterChainsList()).extracting(SidecarConfigHasIstiosShapesTest::row).containsExactly(
          "15006  [] tcp plain",
          "0 tls [istio-http/1.0, istio-http/1.1, istio-h2] http mtls", "0 tls [] tcp mtls",
          "9999 raw_buffer [http/1.1, h2c] http plain", "9999 raw_buffer [] tcp plain",
          "5432 tls " + ISTIO + " tcp mtls", "5432 tls [] tcp plain", "5432 raw_buffer [] tcp plain",
          "7070 raw_buffer [] http plain",
          "8080 tls [] http mtls");
      assertThat(strict.getFilterChainsList()).extracting(FilterChain::getName).startsWith("virtualInbound-blackhole",
          "virtualInbound-catchall-http", "virtualInbound").contains("0.0.0.0_8080");
      assertThat(strict.getListenerFiltersList()).extracting(f -> f.getName()).containsExactly(
          "envoy.filters.listener.original_dst", "envoy.filters.listener.tls_inspector",
          "envoy.filters.listener.http_inspector");

      Listener permissive = inbound(h, WorkloadMode.DEFAULT);
      assertThat(permissive.getFilterChainsList()).extracting(SidecarConfigHasIstiosShapesTest::row).containsExactly(
          "15006  [] tcp plain",
          "0 tls [istio-http/1.0, istio-http/1.1, istio-h2] http mtls", "0 raw_buffer [http/1.1, h2c] http plain",
          "0 tls [istio-peer-exchange, istio] tcp mtls", "0 raw_buffer [] tcp plain", "0 tls [] tcp plain",
          "5432 tls " + ISTIO + " tcp mtls", "5432 tls [] tcp plain", "5432 raw_buffer [] tcp plain",
          "7070 tls " + ISTIO + " http mtls", "7070 raw_buffer [] http plain",
          "8080 tls " + ISTIO + " http mtls", "8080 raw_buffer [] http plain");

      Listener disabled = inbound(h, new WorkloadMode(Mode.DISABLE, Map.of()));
      assertThat(disabled.getFilterChainsList()).extracting(SidecarConfigHasIstiosShapesTest::row).containsExactly(
          "15006  [] tcp plain",
          "0 raw_buffer [http/1.1, h2c] http plain", "0 raw_buffer [] tcp plain",
          "5432 raw_buffer [] tcp plain", "7070 raw_buffer [] http plain", "8080 raw_buffer [] http plain");
      assertThat(disabled.getListenerFiltersList()).extracting(f -> f.getName()).doesNotContain(
          "envoy.filters.listener.tls_inspector");
    }
  }

  @Test
  void inboundMtlsRequiresAClientCertificateOfTheTrustDomainAndForwardsTheCallersIdentity() throws Exception {
    try (Harness h = new Harness(MESH)) {
      FilterChain http = inbound(h, new WorkloadMode(Mode.STRICT, Map.of())).getFilterChainsList().stream()
          .filter(c -> c.getFilterChainMatch().getDestinationPort().getValue() == 8080).findFirst().orElseThrow();
      DownstreamTlsContext tls = http.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
      assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
      var common = tls.getCommonTlsContext();
      assertThat(common.getTlsCertificateSdsSecretConfigs(0).getName()).isEqualTo("default");
      assertThat(common.getCombinedValidationContext().getValidationContextSdsSecretConfig().getName())
          .isEqualTo("ROOTCA");
      assertThat(common.getCombinedValidationContext().getDefaultValidationContext().getMatchTypedSubjectAltNames(0)
          .getMatcher().getPrefix()).isEqualTo("spiffe://example.org/");
      assertThat(common.getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
      assertThat(common.getTlsParams().getCipherSuitesList()).startsWith("ECDHE-ECDSA-AES256-GCM-SHA384");

      HttpConnectionManager hcm = http.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
      assertThat(hcm.getForwardClientCertDetails())
          .isEqualTo(HttpConnectionManager.ForwardClientCertDetails.APPEND_FORWARD);
      assertThat(hcm.getSetCurrentClientCertDetails().getSubject().getValue()).isTrue();
      assertThat(hcm.getSetCurrentClientCertDetails().getUri()).isTrue();
      assertThat(hcm.getSetCurrentClientCertDetails().getDns()).isTrue();
      assertThat(hcm.getRouteConfig().getName()).isEqualTo("inbound|8080||");
      assertThat(hcm.getRouteConfig().getVirtualHosts(0).getName()).isEqualTo("inbound|http|8080");
      assertThat(hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
          .isEqualTo("inbound|8080||");
      assertThat(hcm.getServerName()).isEqualTo("istio-envoy");
    }
  }
}
