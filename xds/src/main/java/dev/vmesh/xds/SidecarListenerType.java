package dev.vmesh.xds;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.UInt32Value;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.http.set_filter_state.v3.Config;
import io.envoyproxy.envoy.extensions.filters.listener.http_inspector.v3.HttpInspector;
import io.envoyproxy.envoy.extensions.filters.listener.original_dst.v3.OriginalDst;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code SidecarListenerType} is LDS for Envoy sidecars: {@code virtualOutbound} (15001, original
 * destination), the per-port outbound listeners ({@link OutboundListeners}: {@code 0.0.0.0_<port>} for HTTP
 * services and services without a single-IP address, {@code <ip>_<port>} per address of a TCP or
 * auto-detected service), and {@code virtualInbound} (15006) with a chain per
 * port its workload serves ({@link InboundListener}: mTLS per PeerAuthentication). Listeners aggregate services
 * by port, so any change of a service's shape rebuilds them all; {@code virtualInbound} also follows the
 * endpoints at the proxy's own IPs. The outbound listeners are cached per namespace, shared by its sidecars.
 */
final class SidecarListenerType implements ResourceType {
  static final String VIRTUAL_OUTBOUND = "virtualOutbound";
  static final String VIRTUAL_INBOUND = "virtualInbound";
  static final int OUTBOUND_PORT = 15001;
  static final int INBOUND_PORT = 15006;

  @Override
  public XdsType xdsType() {
    return XdsType.LISTENER;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(HttpConnectionManager.getDescriptor(), Router.getDescriptor(), TcpProxy.getDescriptor(),
        OriginalDst.getDescriptor(), TlsInspector.getDescriptor(), HttpInspector.getDescriptor(),
        DownstreamTlsContext.getDescriptor(), Config.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return !proxy.proxyless() && !proxy.router();
  }

  /**
   * The outbound listeners depend on the proxy's namespace only, so every sidecar of a namespace shares
   * them (a new VM's thousand listeners are already built); the inbound listener depends on the proxy's
   * own IPs too (and its labels, when no endpoint is at them).
   */
  @Override
  public String cacheVariant(Proxy proxy, String name) {
    return name.equals(VIRTUAL_INBOUND) ? proxy.namespace() + "/" + proxy.ips() + "/" + new TreeMap<>(proxy.labels())
        : proxy.namespace();
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    out.add(VIRTUAL_OUTBOUND);
    out.add(VIRTUAL_INBOUND);
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        OutboundListeners.names(s, p, out);
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (name.equals(VIRTUAL_OUTBOUND)) {
      return XdsResource.of(name, outbound(mesh.sidecar(proxy)));
    }
    if (name.equals(VIRTUAL_INBOUND)) {
      MeshView.Inbound inbound = mesh.inbound(proxy);
      return XdsResource.of(name, InboundListener.build(inbound,
          mesh.mtls().forWorkload(proxy.namespace(), inbound.labels()), mesh.sidecar().trustDomain()));
    }
    return outboundPort(proxy, name, mesh);
  }

  /**
   * {@code virtualOutbound}: Envoy hands each captured connection to the outbound listener of its original
   * destination; what none takes ends here, in Istio's two chains: {@code virtualOutbound-blackhole} for
   * connections made to 15001 itself (they would loop), {@code virtualOutbound-catchall-tcp} for the rest,
   * to the PassthroughCluster (ALLOW_ANY) or the BlackHoleCluster (REGISTRY_ONLY).
   */
  static Listener outbound(SidecarOptions options) {
    return Listener.newBuilder().setName(VIRTUAL_OUTBOUND)
        .setAddress(EnvoyProtos.socket("0.0.0.0", OUTBOUND_PORT))
        .setUseOriginalDst(BoolValue.of(true))
        .setTrafficDirection(TrafficDirection.OUTBOUND)
        .addFilterChains(FilterChain.newBuilder().setName(VIRTUAL_OUTBOUND + "-blackhole")
            .setFilterChainMatch(FilterChainMatch.newBuilder().setDestinationPort(UInt32Value.of(OUTBOUND_PORT)))
            .addFilters(EnvoyProtos.tcpProxy(EnvoyProtos.BLACKHOLE)))
        .addFilterChains(FilterChain.newBuilder().setName(VIRTUAL_OUTBOUND + "-catchall-tcp")
            .addFilters(EnvoyProtos.tcpProxy(options.catchAllCluster())))
        .build();
  }

  /**
   * Whether {@code port} is one Envoy's own listeners bind on every address (15001, 15006): an HTTP listener
   * {@code 0.0.0.0_<port>} there would have their address, and Envoy refuses the whole update.
   */
  static boolean isOwnPort(int port) {
    return port == OUTBOUND_PORT || port == INBOUND_PORT;
  }

  /** {@code 0.0.0.0_<port>} or {@code <ip>_<port>} ({@link OutboundListeners}). */
  private static XdsResource outboundPort(Proxy proxy, String name, MeshView mesh) {
    int sep = name.lastIndexOf('_');
    if (sep <= 0) {
      return null;
    }
    String ip = name.substring(0, sep);
    int port;
    try {
      port = Integer.parseInt(name.substring(sep + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    Listener l = ip.equals(OutboundListeners.WILDCARD)
        ? OutboundListeners.forWildcard(name, port, mesh, mesh.sidecar(proxy), proxy)
        : OutboundListeners.forAddress(name, ip, port, mesh, proxy);
    return l == null ? null : XdsResource.of(name, l);
  }

  /** Names are per port, not per service: a shape change rebuilds the type ({@link #affects}). */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {}

  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.reshapesInbound(proxy) || request.rescopes(proxy);
  }

  /** Outbound listeners follow the services' shapes only (ports, addresses, visibility), never endpoints. */
  @Override
  public boolean staleAll(PushRequest request) {
    return request.shapesChanged() || request.rescopesAny();
  }

  /** A workload that came, went or changed at some IP: the inbound listener of whoever is there. */
  @Override
  public Set<String> staleNames(PushRequest request) {
    return request.touchedIps().isEmpty() ? Set.of() : Set.of(VIRTUAL_INBOUND);
  }

  /** The outbound listeners and their chains follow the proxy's Sidecar. */
  @Override
  public boolean scoped() {
    return true;
  }
}
