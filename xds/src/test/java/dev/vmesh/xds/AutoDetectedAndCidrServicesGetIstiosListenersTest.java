package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.vmesh.xds.MtlsPolicies.Mode;
import dev.vmesh.xds.MtlsPolicies.WorkloadMode;
import dev.vmesh.xds.SidecarConfigHasIstiosShapesTest.Fixed;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Ports without a protocol are detected per connection, and services without a single-IP address still get
 * their TCP traffic, as Istio builds it (istio-dataplane spec B.3, B.4): an auto-detected service's own
 * listener sniffs HTTP/1.1 and HTTP/2 into an HTTP chain (which marks the upstream connection as mesh HTTP
 * with Istio's ALPN) and sends everything else to the same cluster as TCP; its inbound port takes the
 * auto-detect rows of each mTLS mode; a CIDR service is a prefix-range chain of the port's wildcard
 * listener; a service without any address takes the whole port.
 */
class AutoDetectedAndCidrServicesGetIstiosListenersTest {
  static final String MESH = SidecarConfigHasIstiosShapesTest.MESH + """
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: mixed, namespace: ns1}
      spec:
        hosts: [mixed.internal]
        location: MESH_INTERNAL
        addresses: [10.96.0.20]
        ports: [{number: 7000, name: mixed, targetPort: 7080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: range, namespace: ns1}
      spec:
        hosts: [range.internal]
        location: MESH_INTERNAL
        addresses: [10.50.0.0/16]
        ports: [{number: 9100, name: tcp, protocol: TCP}]
        resolution: STATIC
        endpoints: [{address: 10.0.0.8}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: legacy, namespace: ns1, labels: {networking.istio.io/enable-autoallocate-ip: "false"}}
      spec:
        hosts: [legacy.internal]
        location: MESH_EXTERNAL
        ports: [{number: 9080, name: tcp, protocol: TCP}]
        resolution: DNS
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: headless, namespace: ns1}
      spec:
        hosts: [headless.internal]
        location: MESH_EXTERNAL
        ports: [{number: 9300, name: tcp, protocol: TCP}]
        resolution: NONE
      """;

  private static MeshView mesh(Harness h, SidecarOptions.OutboundTrafficPolicy policy, MtlsPolicies mtls) {
    return SidecarConfigHasIstiosShapesTest.mesh(h, policy, mtls);
  }

  private static MeshView mesh(Harness h) {
    return SidecarConfigHasIstiosShapesTest.mesh(h);
  }

  private static <T extends Message> T gen(ResourceType type, String name, MeshView m, Class<T> cls) throws Exception {
    XdsResource r = type.generate(SidecarConfigHasIstiosShapesTest.WEB, name, m);
    return r == null ? null : r.resource().unpack(cls);
  }

  private static String tcpCluster(FilterChain c) throws Exception {
    return c.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster();
  }

  private static HttpConnectionManager hcm(FilterChain c) throws Exception {
    return c.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
  }

  @Test
  void anAutoDetectedServiceSniffsHttpIntoItsOwnRoutesAndSendsTheRestAsTcp() throws Exception {
    try (Harness h = new Harness(MESH)) {
      assertThat(new SidecarListenerType().wildcardNames(SidecarConfigHasIstiosShapesTest.WEB, mesh(h)))
          .contains("10.96.0.20_7000").doesNotContain("0.0.0.0_7000");
      Listener l = gen(new SidecarListenerType(), "10.96.0.20_7000", mesh(h), Listener.class);
      assertThat(l.getBindToPort().getValue()).isFalse();
      assertThat(l.getListenerFiltersList()).extracting(ListenerFilter::getName)
          .containsExactly("envoy.filters.listener.http_inspector");
      assertThat(l.getListenerFiltersTimeout().getSeconds()).isZero();
      assertThat(l.getContinueOnListenerFiltersTimeout()).isTrue();
      assertThat(l.getFilterChainsList()).extracting(c -> c.getFilterChainMatch().getTransportProtocol() + " "
          + c.getFilterChainMatch().getApplicationProtocolsList()).containsExactly("raw_buffer [http/1.1]",
          "raw_buffer [h2c]");
      for (FilterChain c : l.getFilterChainsList()) {
        HttpConnectionManager hcm = hcm(c);
        assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("mixed.internal:7000");
        assertThat(hcm.getHttpFilters(0).getName()).isEqualTo("envoy.filters.http.set_filter_state");
        assertThat(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName()).isEqualTo("envoy.filters.http.router");
        var state = hcm.getHttpFilters(0).getTypedConfig().unpack(Config.class).getOnRequestHeaders(0);
        assertThat(state.getObjectKey()).isEqualTo("envoy.network.application_protocols");
        assertThat(state.getFormatString().getTextFormatSource().getInlineString()).isEqualTo(
            c.getFilterChainMatch().getApplicationProtocols(0).equals("h2c") ? "istio-h2,istio,h2"
                : "istio-http/1.1,istio,http/1.1");
      }
      assertThat(tcpCluster(l.getDefaultFilterChain())).isEqualTo("outbound|7000||mixed.internal");

      assertThat(new SidecarRouteType().wildcardNames(SidecarConfigHasIstiosShapesTest.WEB, mesh(h)))
          .contains("mixed.internal:7000", "9080").doesNotContain("7000", "9100");
      RouteConfiguration rc = gen(new SidecarRouteType(), "mixed.internal:7000", mesh(h), RouteConfiguration.class);
      assertThat(rc.getVirtualHostsList()).singleElement().satisfies(v -> {
        assertThat(v.getDomainsList()).containsExactly("*");
        assertThat(v.getRoutes(0).getRoute().getCluster()).isEqualTo("outbound|7000||mixed.internal");
      });

      // the cluster speaks HTTP upstream as it came, and offers mesh TCP's ALPN unless a chain overrides it
      Cluster c = gen(new SidecarClusterType(), "outbound|7000||mixed.internal", mesh(h), Cluster.class);
      assertThat(c.getTypedExtensionProtocolOptionsMap().get(SidecarClusterType.HTTP_OPTIONS)
          .unpack(HttpProtocolOptions.class).hasUseDownstreamProtocolConfig()).isTrue();
      assertThat(c.getTransportSocketMatches(0).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class)
          .getCommonTlsContext().getAlpnProtocolsList()).containsExactly("istio");
    }
  }

  @Test
  void anAutoDetectedTargetPortTakesIstiosDetectionRowsUnderEachMode() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Listener permissive = inbound(h, WorkloadMode.DEFAULT);
      assertThat(permissive.getFilterChainsList()).filteredOn(c -> port(c) == 7080)
          .extracting(AutoDetectedAndCidrServicesGetIstiosListenersTest::row).containsExactly(
              "tls [istio-http/1.0, istio-http/1.1, istio-h2] http mtls inbound|7080||",
              "raw_buffer [http/1.1, h2c] http plain inbound|7080||",
              "tls [istio-peer-exchange, istio] tcp mtls inbound|7080||",
              "raw_buffer [] tcp plain inbound|7080||",
              "tls [] tcp plain inbound|7080||");
      assertThat(permissive.getFilterChainsList()).filteredOn(c -> port(c) == 7080).extracting(FilterChain::getName)
          .containsOnly("0.0.0.0_7080");
      assertThat(sniffingDisabledOn(permissive)).contains("8080").doesNotContain("7080");

      Listener strict = inbound(h, new WorkloadMode(Mode.STRICT, Map.of()));
      assertThat(strict.getFilterChainsList()).filteredOn(c -> port(c) == 7080)
          .extracting(AutoDetectedAndCidrServicesGetIstiosListenersTest::row).containsExactly(
              "tls [istio-http/1.0, istio-http/1.1, istio-h2] http mtls inbound|7080||",
              "tls [] tcp mtls inbound|7080||");
      // nothing left to sniff in plain text: no HTTP inspector at all
      assertThat(strict.getListenerFiltersList()).extracting(ListenerFilter::getName)
          .doesNotContain("envoy.filters.listener.http_inspector");

      Listener disabled = inbound(h, new WorkloadMode(Mode.PERMISSIVE, Map.of(7080, Mode.DISABLE)));
      assertThat(disabled.getFilterChainsList()).filteredOn(c -> port(c) == 7080)
          .extracting(AutoDetectedAndCidrServicesGetIstiosListenersTest::row).containsExactly(
              "raw_buffer [http/1.1, h2c] http plain inbound|7080||", "raw_buffer [] tcp plain inbound|7080||");
      assertThat(sniffingDisabledOn(disabled)).doesNotContain("7080");
    }
  }

  @Test
  void aCidrServiceIsAPrefixRangeChainOfThePortsWildcardListener() throws Exception {
    try (Harness h = new Harness(MESH)) {
      assertThat(new SidecarListenerType().wildcardNames(SidecarConfigHasIstiosShapesTest.WEB, mesh(h)))
          .contains("0.0.0.0_9100");
      Listener l = gen(new SidecarListenerType(), "0.0.0.0_9100", mesh(h), Listener.class);
      assertThat(l.getFilterChainsList()).singleElement().satisfies(c -> {
        assertThat(c.getFilterChainMatch().getPrefixRangesList()).singleElement().satisfies(r -> {
          assertThat(r.getAddressPrefix()).isEqualTo("10.50.0.0");
          assertThat(r.getPrefixLen().getValue()).isEqualTo(16);
        });
        assertThat(tcpCluster(c)).isEqualTo("outbound|9100||range.internal");
      });
      assertThat(l.getListenerFiltersList()).isEmpty();
      // the rest of the port goes where virtualOutbound would have sent it
      assertThat(tcpCluster(l.getDefaultFilterChain())).isEqualTo("PassthroughCluster");
      Listener only = gen(new SidecarListenerType(), "0.0.0.0_9100",
          mesh(h, SidecarOptions.OutboundTrafficPolicy.REGISTRY_ONLY, MtlsPolicies.PERMISSIVE), Listener.class);
      assertThat(tcpCluster(only.getDefaultFilterChain())).isEqualTo("BlackHoleCluster");
    }
  }

  @Test
  void aServiceWithoutAnyAddressTakesItsPortExceptWhatHttpServicesClaim() throws Exception {
    try (Harness h = new Harness(MESH)) {
      Listener l = gen(new SidecarListenerType(), "0.0.0.0_9080", mesh(h), Listener.class);
      assertThat(l.getListenerFiltersList()).extracting(ListenerFilter::getName)
          .containsExactly("envoy.filters.listener.http_inspector");
      assertThat(l.getFilterChainsList()).singleElement().satisfies(c -> {
        assertThat(c.getFilterChainMatch().getApplicationProtocolsList()).containsExactly("http/1.1", "h2c");
        assertThat(hcm(c).getRds().getRouteConfigName()).isEqualTo("9080");
      });
      assertThat(tcpCluster(l.getDefaultFilterChain())).isEqualTo("outbound|9080||legacy.internal");

      // resolution NONE without addresses: no listener, the catch-all takes it to its original destination
      assertThat(new SidecarListenerType().wildcardNames(SidecarConfigHasIstiosShapesTest.WEB, mesh(h)))
          .noneMatch(n -> n.endsWith("_9300"));
      assertThat(gen(new SidecarListenerType(), "0.0.0.0_9300", mesh(h), Listener.class)).isNull();

      // an HTTP port alone keeps its single chain without a match
      Listener http = gen(new SidecarListenerType(), "0.0.0.0_80", mesh(h), Listener.class);
      assertThat(http.getFilterChainsList()).singleElement()
          .satisfies(c -> assertThat(c.hasFilterChainMatch()).isFalse());
      assertThat(http.hasDefaultFilterChain()).isFalse();
    }
  }

  private static Listener inbound(Harness h, WorkloadMode mode) throws Exception {
    return gen(new SidecarListenerType(), "virtualInbound",
        mesh(h, SidecarOptions.OutboundTrafficPolicy.ALLOW_ANY, new Fixed(mode, Mode.PERMISSIVE)), Listener.class);
  }

  private static int port(FilterChain c) {
    return c.getFilterChainMatch().getDestinationPort().getValue();
  }

  private static String row(FilterChain c) {
    var m = c.getFilterChainMatch();
    try {
      boolean http = c.getFilters(0).getName().contains("http_connection_manager");
      String cluster = http ? hcm(c).getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster()
          : tcpCluster(c);
      return m.getTransportProtocol() + " " + m.getApplicationProtocolsList() + " " + (http ? "http" : "tcp") + " "
          + (c.hasTransportSocket() ? "mtls" : "plain") + " " + cluster;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** The ports the HTTP inspector is disabled on, as text. */
  private static String sniffingDisabledOn(Listener l) {
    return l.getListenerFiltersList().stream().filter(f -> f.getName().endsWith("http_inspector")).findFirst()
        .map(f -> f.getFilterDisabled().toString()).orElse("");
  }
}
