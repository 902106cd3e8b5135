package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.common.set_filter_state.v3.FilterStateValue;
import io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code OutboundListeners} builds the per-port outbound listeners of a sidecar (none binds: Envoy hands
 * them connections from {@code virtualOutbound} by original destination), as Istio does (istio-dataplane
 * spec B.3):
 *
 * <ul>
 *   <li>{@code <ip>_<port>} for each single-IP address of a TCP or auto-detected service port. TCP: one
 *       chain to the service's cluster. Auto-detected: the HTTP inspector sniffs the first bytes; HTTP/1.1
 *       and HTTP/2 (ALPN {@code http/1.1}, {@code h2c}) take an HTTP chain with route config
 *       {@code <host>:<port>}, anything else the default chain to the same cluster.
 *   <li>{@code 0.0.0.0_<port>}: the HTTP services of the port (route config {@code <port>}), and the TCP
 *       and auto-detected services without a single-IP address: a chain matching its CIDR addresses
 *       ({@code prefix_ranges}), or, with no address at all (and a resolution other than NONE), the
 *       listener's default chain, so every connection to that port that nothing else takes goes to it.
 *       When HTTP and TCP share the port, the HTTP chain matches the ALPN the HTTP inspector sets and the
 *       default chain is the service without address, else the catch-all of the outbound traffic policy.
 * </ul>
 *
 * <p>Auto-detected services without a single-IP address are carried as TCP (on a CIDR, Envoy matches the
 * destination address before the ALPN, so Istio's HTTP chain would never see them either).
 *
 * <p>How the server side tells mesh HTTP from mesh TCP on an auto-detected port: Istio's {@code istio.alpn}
 * filter is not in upstream Envoy, so the HTTP chains of auto-detected listeners set Envoy's well-known
 * filter state {@code envoy.network.application_protocols} with {@code set_filter_state}, to the list
 * Istio's filter would send for the protocol the chain speaks ({@code istio-http/1.1}, {@code istio},
 * {@code http/1.1}; or {@code istio-h2}, {@code istio}, {@code h2}): it replaces the cluster's ALPN
 * ({@code istio}, which the TCP chain keeps) on the upstream TLS connection. The cluster of an auto-detected
 * port speaks the downstream's protocol upstream, so the list is exact.
 */
final class OutboundListeners {
  static final String WILDCARD = "0.0.0.0";
  static final String HTTP_INSPECTOR = "envoy.filters.listener.http_inspector";
  static final String SET_FILTER_STATE = "envoy.filters.http.set_filter_state";
  static final String ALPN_KEY = "envoy.network.application_protocols";
  /** What Istio's clients send on mesh HTTP/1.1 and HTTP/2 connections (the server's "mesh HTTP" ALPN). */
  static final String ALPN_HTTP11 = "istio-http/1.1,istio,http/1.1";
  static final String ALPN_H2 = "istio-h2,istio,h2";
  /** The catch-all chain of a wildcard listener shared by HTTP and TCP, Istio's name. */
  static final String PASSTHROUGH_CHAIN = "PassthroughFilterChain";

  private OutboundListeners() {}

  /** The outbound listener names {@code s}'s port {@code p} needs. */
  static void names(Service s, ServicePort p, Set<String> out) {
    int port = p.number();
    if (EnvoyProtos.isHttp(p.protocol())) {
      if (!SidecarListenerType.isOwnPort(port)) {
        out.add(WILDCARD + "_" + port);
      }
      return;
    }
    List<String> ips = ips(s);
    for (String ip : ips) {
      out.add(ip + "_" + port);
    }
    if (ips.isEmpty() && (!cidrs(s).isEmpty() || takesWholePort(s)) && !SidecarListenerType.isOwnPort(port)) {
      out.add(WILDCARD + "_" + port);
    }
  }

  /** The listener {@code <ip>_<port>} of the service {@code proxy} reaches there; or null. */
  static Listener forAddress(String name, String ip, int port, MeshView mesh, Proxy proxy) {
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        if (p.number() != port || EnvoyProtos.isHttp(p.protocol()) || !s.addresses().contains(ip)
            || !mesh.isChosen(s, proxy)) {
          continue;
        }
        String cluster = s.cluster(port).name();
        Listener.Builder l = Listener.newBuilder().setName(name).setAddress(EnvoyProtos.socket(ip, port))
            .setBindToPort(BoolValue.of(false)).setTrafficDirection(TrafficDirection.OUTBOUND);
        FilterChain tcp = FilterChain.newBuilder().setName(cluster).addFilters(EnvoyProtos.tcpProxy(cluster)).build();
        if (!EnvoyProtos.isAutoDetected(p.protocol())) {
          return l.addFilterChains(tcp).build();
        }
        String routes = s.hostname() + ":" + port;
        return sniffing(l)
            .addFilterChains(httpChain(name, "http/1.1", routes, ALPN_HTTP11))
            .addFilterChains(httpChain(name, "h2c", routes, ALPN_H2))
            .setDefaultFilterChain(tcp)
            .build();
      }
    }
    return null;
  }

  /**
   * The listener {@code 0.0.0.0_<port>} for {@code proxy}: HTTP services, CIDR services and a
   * service without address on that port; null when the port has none of them.
   */
  static Listener forWildcard(String name, int port, MeshView mesh, SidecarOptions options, Proxy proxy) {
    if (SidecarListenerType.isOwnPort(port)) {
      return null;
    }
    boolean http = false;
    List<FilterChain> cidrChains = new ArrayList<>();
    Set<String> takenCidrs = new HashSet<>();
    FilterChain wholePort = null;
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        if (p.number() != port || !mesh.isChosen(s, proxy)) {
          continue;
        }
        if (EnvoyProtos.isHttp(p.protocol())) {
          http = true;
          continue;
        }
        if (!ips(s).isEmpty()) {
          continue;
        }
        String cluster = s.cluster(port).name();
        FilterChainMatch.Builder match = FilterChainMatch.newBuilder();
        for (String cidr : cidrs(s)) {
          if (takenCidrs.add(cidr)) { // Envoy refuses two chains with the same match
            int slash = cidr.indexOf('/');
            match.addPrefixRanges(CidrRange.newBuilder().setAddressPrefix(cidr.substring(0, slash))
                .setPrefixLen(UInt32Value.of(Integer.parseInt(cidr.substring(slash + 1)))));
          }
        }
        if (match.getPrefixRangesCount() > 0) {
          cidrChains.add(FilterChain.newBuilder().setName(cluster).setFilterChainMatch(match)
              .addFilters(EnvoyProtos.tcpProxy(cluster)).build());
        } else if (wholePort == null && takesWholePort(s)) { // the first by hostname wins the port
          wholePort = FilterChain.newBuilder().setName(cluster).addFilters(EnvoyProtos.tcpProxy(cluster)).build();
        }
      }
    }
    Listener.Builder l = Listener.newBuilder().setName(name).setAddress(EnvoyProtos.socket(WILDCARD, port))
        .setBindToPort(BoolValue.of(false)).setTrafficDirection(TrafficDirection.OUTBOUND);
    Filter routes = EnvoyProtos.httpFilter("outbound_" + name, Integer.toString(port));
    if (cidrChains.isEmpty() && wholePort == null) {
      return http ? l.addFilterChains(FilterChain.newBuilder().setName(name).addFilters(routes)).build() : null;
    }
    if (http) {
      sniffing(l).addFilterChains(FilterChain.newBuilder().setName(name)
          .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol(InboundListener.Row.RAW)
              .addAllApplicationProtocols(InboundListener.PLAIN_HTTP))
          .addFilters(routes));
    }
    l.addAllFilterChains(cidrChains);
    FilterChain fallback = wholePort != null ? wholePort : FilterChain.newBuilder().setName(PASSTHROUGH_CHAIN)
        .addFilters(EnvoyProtos.tcpProxy(options.catchAllCluster())).build();
    if (l.getFilterChainsCount() == 0) {
      return l.addFilterChains(fallback).build();
    }
    return l.setDefaultFilterChain(fallback).build();
  }

  /** The HTTP inspector first, waiting for the bytes it needs as long as they take (Istio's default, 0). */
  private static Listener.Builder sniffing(Listener.Builder l) {
    return l.addListenerFilters(ListenerFilter.newBuilder().setName(HTTP_INSPECTOR)
            .setTypedConfig(Any.pack(HttpInspector.getDefaultInstance())))
        .setListenerFiltersTimeout(Duration.getDefaultInstance())
        .setContinueOnListenerFiltersTimeout(true);
  }

  /**
   * The HTTP chain of an auto-detected listener for the ALPN {@code sniffed} the HTTP inspector sets:
   * routes {@code routes}, upstream ALPN {@code alpn}.
   */
  private static FilterChain httpChain(String listener, String sniffed, String routes, String alpn) {
    HttpConnectionManager hcm = EnvoyProtos.httpConnectionManager("outbound_" + listener, routes).toBuilder()
        .clearHttpFilters().addHttpFilters(alpn(alpn)).addHttpFilters(EnvoyProtos.router()).build();
    return FilterChain.newBuilder().setName(listener + "-" + sniffed)
        .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol(InboundListener.Row.RAW)
            .addApplicationProtocols(sniffed))
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm)))
        .build();
  }

  /** Sets the upstream TLS ALPN of each request's connection to {@code protocols} (comma-separated). */
  static HttpFilter alpn(String protocols) {
    Config config = Config.newBuilder().addOnRequestHeaders(FilterStateValue.newBuilder().setObjectKey(ALPN_KEY)
            .setFormatString(SubstitutionFormatString.newBuilder().setTextFormatSource(DataSource.newBuilder()
                .setInlineString(protocols))))
        .build();
    return HttpFilter.newBuilder().setName(SET_FILTER_STATE).setTypedConfig(Any.pack(config)).build();
  }

  /** The single-IP addresses of {@code s}. */
  static List<String> ips(Service s) {
    return s.addresses().stream().filter(Addresses::isIp).toList();
  }

  /** The CIDR addresses of {@code s} (a single-host prefix is already a plain IP). */
  static List<String> cidrs(Service s) {
    return s.addresses().stream().filter(Addresses::isCidr).toList();
  }

  /**
   * Whether {@code s} has no address at all and so takes every connection to its ports, as Istio binds such
   * a service's TCP ports to the wildcard. Not for resolution NONE: Istio gives those listeners per
   * endpoint address (or a wildcard one only while there is none); vmesh sends their traffic through the
   * catch-all, to the same original destination. Not for DYNAMIC_DNS either (its hosts are resolved per
   * request).
   */
  static boolean takesWholePort(Service s) {
    return s.addresses().isEmpty() && s.resolution() != Resolution.NONE && s.resolution() != Resolution.DYNAMIC_DNS;
  }
}
