package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GrpcListenerType} is LDS for proxyless gRPC clients: a client asks for {@code host:port} and
 * gets an API listener whose HTTP connection manager takes route config {@code host:port} over ADS,
 * with the Router filter last, for a service its Sidecar imports (as Istio's gRPC generator builds listeners
 * only from the proxy's Sidecar scope: a target outside it does not exist for the client). It changes only when
 * the service's shape or the proxy's scope does.
 */
final class GrpcListenerType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.LISTENER;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(HttpConnectionManager.getDescriptor(), Router.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.proxyless();
  }

  /** Everything but proxyless servers' listeners ({@link GrpcInboundListenerType}). */
  @Override
  public boolean owns(String name) {
    return !GrpcInboundListenerType.isInbound(name);
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        out.add(ServiceNames.hostPort(s, p.number()));
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (mesh.hostPort(name, proxy) == null) {
      return null;
    }
    return XdsResource.of(name, Listener.newBuilder().setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(
            EnvoyProtos.httpConnectionManager(name, name))))
        .build());
  }

  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    if (change.shapeChanged()) {
      ServiceNames.hostPorts(change, names);
    }
  }

  /** A Sidecar change may change which listeners exist for the proxy. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.rescopes(proxy);
  }

  @Override
  public boolean staleAll(PushRequest request) {
    return request.rescopesAny();
  }

  /** Which listeners exist follows the proxy's Sidecar. */
  @Override
  public boolean scoped() {
    return true;
  }
}
