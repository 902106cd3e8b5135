package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.vmesh.registry.ClusterKey;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilterChainMatchPredicate;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Int32Range;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code InboundListener} builds {@code virtualInbound} (0.0.0.0:15006), where captured inbound connections
 * arrive, the way Istio builds it for a sidecar: original destination, TLS and HTTP detection, then filter
 * chains in Istio's order: {@code virtualInbound-blackhole} (direct connections to 15006), the passthrough
 * chains under the workload-wide mTLS mode, passthrough chains of port-level modes on ports no service
 * targets, and the chains of each target port by its mode (rows of {@link Row#of}). A target port whose
 * protocol is auto-detected takes the passthrough rows, to its own inbound cluster: mesh HTTP (ALPN
 * {@code istio-http/1.x}, {@code istio-h2}) and sniffed plain-text HTTP reach an HTTP connection manager,
 * everything else a TCP proxy.
 *
 * <p>Envoy uses the chains of a connection's exact destination port when it has any, and does not fall
 * back to the port-less ones: plaintext to a STRICT port is closed although the passthrough chains would
 * take it.
 */
final class InboundListener {
  static final String NAME = "virtualInbound";
  static final int PORT = 15006;
  static final String PASSTHROUGH = "InboundPassthroughCluster";
  static final String HTTP_PASSTHROUGH_CHAIN = "virtualInbound-catchall-http";

  /** ALPN of Istio clients: mesh HTTP, mesh TCP, and both. */
  static final List<String> MESH_HTTP = List.of("istio-http/1.0", "istio-http/1.1", "istio-h2");
  static final List<String> MESH_TCP = List.of("istio-peer-exchange", "istio");
  static final List<String> ANY_ISTIO = List.of("istio-http/1.0", "istio-http/1.1", "istio-h2", "istio-peer-exchange",
      "istio");
  /** ALPN the HTTP inspector sets for plaintext HTTP. */
  static final List<String> PLAIN_HTTP = List.of("http/1.1", "h2c");

  private InboundListener() {}

  /**
   * What a port's chains carry: HTTP, TCP, either as detected on a target port of an auto-detected
   * protocol (AUTO), or either on any port (PASSTHROUGH, to the InboundPassthroughCluster).
   */
  enum Kind {
    HTTP, TCP, AUTO, PASSTHROUGH;

    static Kind of(String protocol) {
      return EnvoyProtos.isHttp(protocol) ? HTTP : EnvoyProtos.isAutoDetected(protocol) ? AUTO : TCP;
    }
  }

  /**
   * One filter chain's match and what it does.
   *
   * @param transport {@code tls} or {@code raw_buffer}
   * @param alpn the application protocols it matches (any, when empty)
   * @param http whether it runs an HTTP connection manager (else a TCP proxy)
   * @param terminate whether it terminates mutual TLS
   */
  record Row(String transport, List<String> alpn, boolean http, boolean terminate) {
    static final String TLS = "tls";
    static final String RAW = "raw_buffer";

    /** The chains of one port of kind {@code kind} under {@code mode}, in order (Istio's table). */
    static List<Row> of(Kind kind, MtlsPolicies.Mode mode) {
      return switch (kind) {
        case HTTP -> switch (mode) {
          case STRICT -> List.of(new Row(TLS, List.of(), true, true));
          case PERMISSIVE -> List.of(new Row(TLS, ANY_ISTIO, true, true), new Row(RAW, List.of(), true, false));
          case DISABLE -> List.of(new Row(RAW, List.of(), true, false));
        };
        case TCP -> switch (mode) {
          case STRICT -> List.of(new Row(TLS, List.of(), false, true));
          case PERMISSIVE -> List.of(new Row(TLS, ANY_ISTIO, false, true), new Row(TLS, List.of(), false, false),
              new Row(RAW, List.of(), false, false));
          case DISABLE -> List.of(new Row(RAW, List.of(), false, false));
        };
        case AUTO, PASSTHROUGH -> switch (mode) {
          case STRICT -> List.of(new Row(TLS, MESH_HTTP, true, true), new Row(TLS, List.of(), false, true));
          case PERMISSIVE -> List.of(new Row(TLS, MESH_HTTP, true, true), new Row(RAW, PLAIN_HTTP, true, false),
              new Row(TLS, MESH_TCP, false, true), new Row(RAW, List.of(), false, false),
              new Row(TLS, List.of(), false, false));
          case DISABLE -> List.of(new Row(RAW, PLAIN_HTTP, true, false), new Row(RAW, List.of(), false, false));
        };
      };
    }
  }

  /** {@code virtualInbound} for a workload serving {@code inbound} under {@code mtls}. */
  static Listener build(MeshView.Inbound inbound, MtlsPolicies.WorkloadMode mtls, String trustDomain) {
    List<FilterChain> chains = new ArrayList<>();
    Set<Integer> noTls = new TreeSet<>();
    Set<Integer> noHttpSniffing = new TreeSet<>(inbound.ports().keySet());
    noTls.add(PORT);
    noHttpSniffing.add(PORT);
    chains.add(FilterChain.newBuilder().setName(NAME + "-blackhole")
        .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(PORT)))
        .addFilters(EnvoyProtos.tcpProxy(EnvoyProtos.BLACKHOLE)).build());
    addChains(chains, 0, Kind.PASSTHROUGH, mtls.mode(), trustDomain);
    for (Map.Entry<Integer, MtlsPolicies.Mode> e : new TreeMap<>(mtls.ports()).entrySet()) {
      if (!inbound.ports().containsKey(e.getKey()) && e.getKey() != PORT) {
        addChains(chains, e.getKey(), Kind.PASSTHROUGH, e.getValue(), trustDomain);
        if (e.getValue() == MtlsPolicies.Mode.DISABLE) {
          noTls.add(e.getKey());
        } else if (e.getValue() == MtlsPolicies.Mode.STRICT) {
          noHttpSniffing.add(e.getKey());
        }
      }
    }
    for (Map.Entry<Integer, String> e : inbound.ports().entrySet()) {
      if (e.getKey() == PORT) {
        continue; // the blackhole chain's: a second chain for it would make Envoy refuse the listener
      }
      MtlsPolicies.Mode mode = mtls.forPort(e.getKey());
      Kind kind = Kind.of(e.getValue());
      addChains(chains, e.getKey(), kind, mode, trustDomain);
      if (mode == MtlsPolicies.Mode.DISABLE) {
        noTls.add(e.getKey());
      }
      if (kind == Kind.AUTO && mode != MtlsPolicies.Mode.STRICT) {
        noHttpSniffing.remove(e.getKey()); // its plain-text chains tell HTTP from TCP
      }
    }
    Listener.Builder l = Listener.newBuilder().setName(NAME)
        .setAddress(EnvoyProtos.socket("0.0.0.0", PORT))
        .setTrafficDirection(TrafficDirection.INBOUND)
        .setContinueOnListenerFiltersTimeout(true)
        .setListenerFiltersTimeout(Duration.getDefaultInstance())
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.original_dst")
            .setTypedConfig(Any.pack(OriginalDst.getDefaultInstance())));
    boolean anyTls = chains.stream().anyMatch(c -> c.getFilterChainMatch().getTransportProtocol().equals(Row.TLS));
    boolean anySniffing = chains.stream().anyMatch(c -> c.getFilterChainMatch().getTransportProtocol().equals(Row.RAW)
        && c.getFilterChainMatch().getApplicationProtocolsList().contains("http/1.1"));
    if (anyTls) {
      l.addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.tls_inspector")
          .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())).setFilterDisabled(ports(noTls)));
    }
    if (anySniffing) {
      l.addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.http_inspector")
          .setTypedConfig(Any.pack(HttpInspector.getDefaultInstance())).setFilterDisabled(ports(noHttpSniffing)));
    }
    return l.addAllFilterChains(chains).build();
  }

  /** A predicate true for a connection to any of {@code ports}. */
  private static ListenerFilterChainMatchPredicate ports(Set<Integer> ports) {
    List<ListenerFilterChainMatchPredicate> each = new ArrayList<>();
    for (int p : ports) {
      each.add(ListenerFilterChainMatchPredicate.newBuilder()
          .setDestinationPortRange(Int32Range.newBuilder().setStart(p).setEnd(p + 1)).build());
    }
    return each.size() == 1 ? each.get(0) : ListenerFilterChainMatchPredicate.newBuilder()
        .setOrMatch(ListenerFilterChainMatchPredicate.MatchSet.newBuilder().addAllRules(each)).build();
  }

  /** The chains of {@code port} (0: any port, the passthrough chains) of kind {@code kind} under {@code mode}. */
  private static void addChains(List<FilterChain> out, int port, Kind kind, MtlsPolicies.Mode mode,
      String trustDomain) {
    String cluster = kind == Kind.PASSTHROUGH ? PASSTHROUGH : ClusterKey.inbound(port).name();
    for (Row row : Row.of(kind, mode)) {
      FilterChainMatch.Builder match = FilterChainMatch.newBuilder().setTransportProtocol(row.transport())
          .addAllApplicationProtocols(row.alpn());
      if (port > 0) {
        match.setDestinationPort(UInt32Value.of(port));
      }
      String name = kind != Kind.PASSTHROUGH ? "0.0.0.0_" + port : row.http() ? HTTP_PASSTHROUGH_CHAIN : NAME;
      FilterChain.Builder chain = FilterChain.newBuilder().setName(name).setFilterChainMatch(match)
          .addFilters(row.http() ? http(port, cluster) : EnvoyProtos.tcpProxy(cluster));
      if (row.terminate()) {
        chain.setTransportSocket(SidecarTls.downstream(trustDomain));
      }
      out.add(chain.build());
    }
  }

  /**
   * The inbound HTTP connection manager: route config inline (one virtual host, every request to the
   * inbound cluster, no timeouts), the caller's certificate subject, URI and DNS SANs appended to
   * {@code x-forwarded-client-cert}.
   */
  private static Filter http(int port, String cluster) {
    String routeName = port > 0 ? cluster : PASSTHROUGH;
    RouteConfiguration routes = RouteConfiguration.newBuilder().setName(routeName)
        .addVirtualHosts(VirtualHost.newBuilder().setName("inbound|http|" + port).addDomains("*")
            .addRoutes(Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(RouteAction.newBuilder().setCluster(cluster).setTimeout(Duration.getDefaultInstance())
                    .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
                        .setMaxStreamDuration(Duration.getDefaultInstance())))))
        .build();
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix("inbound_0.0.0.0_" + port)
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setRouteConfig(routes)
        .setUseRemoteAddress(BoolValue.of(false))
        .setStreamIdleTimeout(Duration.getDefaultInstance())
        .addUpgradeConfigs(HttpConnectionManager.UpgradeConfig.newBuilder().setUpgradeType("websocket"))
        .setNormalizePath(BoolValue.of(true))
        .setPathWithEscapedSlashesAction(HttpConnectionManager.PathWithEscapedSlashesAction.KEEP_UNCHANGED)
        .setServerName("istio-envoy")
        .setGenerateRequestId(BoolValue.of(true))
        .setForwardClientCertDetails(HttpConnectionManager.ForwardClientCertDetails.APPEND_FORWARD)
        .setSetCurrentClientCertDetails(HttpConnectionManager.SetCurrentClientCertDetails.newBuilder()
            .setSubject(BoolValue.of(true)).setUri(true).setDns(true))
        .addHttpFilters(EnvoyProtos.router())
        .build();
    return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(hcm))
        .build();
  }
}
