package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code GrpcRouteType} is RDS for proxyless gRPC clients: route config {@code host:port} with one
 * virtual host (domains {@code host} and {@code host:port}) sending everything to
 * {@code outbound|port||host}. It changes only when the service's shape does.
 */
final class GrpcRouteType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.ROUTE;
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.proxyless();
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
    MeshView.ServicePortRef ref = mesh.hostPort(name, proxy.namespace());
    if (ref == null) {
      return null;
    }
    String host = ref.service().hostname();
    return XdsResource.of(name, RouteConfiguration.newBuilder().setName(name)
        .addVirtualHosts(EnvoyProtos.virtualHost(name, Set.of(host, name),
            ref.service().cluster(ref.port().number()).name()))
        .build());
  }

  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    if (change.shapeChanged()) {
      ServiceNames.hostPorts(change, names);
    }
  }

  /** A Sidecar change may change which names a wildcard subscription covers. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.rescopes(proxy);
  }
}
