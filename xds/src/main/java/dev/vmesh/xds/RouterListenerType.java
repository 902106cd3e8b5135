package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Set;

/**
 * {@code RouterListenerType} is LDS for network gateways ({@code router~} proxies): one listener
 * {@code 0.0.0.0_PORT} per port of the Gateways selecting the gateway ({@link RouterPlan}), TLS ports with the
 * TLS inspector and chains matching SNI (and, for AUTO_PASSTHROUGH, Istio's ALPNs), each forwarding the bytes
 * with {@code tcp_proxy}: the gateway never terminates TLS. Cached per namespace and labels (which Gateways
 * select it); a Gateway or VirtualService change is a full push, a service shape change rebuilds the type.
 */
final class RouterListenerType implements ResourceType {
  static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";

  @Override
  public XdsType xdsType() {
    return XdsType.LISTENER;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(TcpProxy.getDescriptor(), TlsInspector.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.router();
  }

  @Override
  public String cacheVariant(Proxy proxy) {
    return RouterPlan.cacheVariant(proxy);
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    return RouterPlan.of(proxy, mesh).listenerNames();
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    RouterPlan.PortPlan port = RouterPlan.of(proxy, mesh).port(name);
    return port == null ? null : XdsResource.of(name, listener(port));
  }

  static Listener listener(RouterPlan.PortPlan port) {
    Listener.Builder l = Listener.newBuilder().setName(port.listenerName())
        .setAddress(EnvoyProtos.socket("0.0.0.0", port.port()))
        .setTrafficDirection(TrafficDirection.OUTBOUND);
    if (port.tls()) {
      l.addListenerFilters(ListenerFilter.newBuilder().setName(TLS_INSPECTOR)
          .setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
    }
    for (RouterPlan.Chain c : port.chains()) {
      FilterChainMatch.Builder match = FilterChainMatch.newBuilder().addAllServerNames(c.serverNames())
          .addAllApplicationProtocols(c.alpn());
      l.addFilterChains(FilterChain.newBuilder().setName(c.name()).setFilterChainMatch(match)
          .addFilters(tcpProxy(c)));
    }
    return l.build();
  }

  private static Filter tcpProxy(RouterPlan.Chain c) {
    if (c.routes().size() == 1) {
      return EnvoyProtos.tcpProxy(c.routes().get(0).cluster());
    }
    TcpProxy.WeightedCluster.Builder w = TcpProxy.WeightedCluster.newBuilder();
    for (RouterPlan.Route r : c.routes()) {
      w.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder().setName(r.cluster()).setWeight(r.weight()));
    }
    return Filter.newBuilder().setName("envoy.filters.network.tcp_proxy").setTypedConfig(Any.pack(TcpProxy
        .newBuilder().setStatPrefix(c.name()).setWeightedClusters(w).build())).build();
  }

  /** Listeners aggregate services by port: a shape change rebuilds the type ({@link #affects}). */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {}

  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.shapesChanged();
  }

  @Override
  public boolean staleAll(PushRequest request) {
    return request.shapesChanged();
  }
}
