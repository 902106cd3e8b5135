package dev.vmesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code SidecarRouteType} is RDS for Envoy sidecars: route config {@code <port>} with a virtual host per
 * visible HTTP service on that port (domains: host, host:port, each IP and IP:port), and a catch-all to
 * the PassthroughCluster. Route configs aggregate services by port, so any change of a service's
 * shape rebuilds them all.
 */
final class SidecarRouteType implements ResourceType {

  @Override
  public String typeUrl() {
    return TypeUrls.ROUTE;
  }

  @Override
  public String shortName() {
    return "rds";
  }

  @Override
  public boolean fullState() {
    return false;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(RouteConfiguration.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return !proxy.proxyless();
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      for (ServicePort p : s.ports()) {
        if (EnvoyProtos.isHttp(p.protocol())) {
          out.add(Integer.toString(p.number()));
        }
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    int port;
    try {
      port = Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return null;
    }
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(name);
    boolean any = false;
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      for (ServicePort p : s.ports()) {
        if (p.number() != port || !EnvoyProtos.isHttp(p.protocol())) {
          continue;
        }
        Set<String> domains = new LinkedHashSet<>();
        domains.add(s.hostname());
        domains.add(s.hostname() + ":" + port);
        for (String a : s.addresses()) {
          if (Addresses.isIp(a)) {
            domains.add(a.contains(":") ? "[" + a + "]" : a);
            domains.add((a.contains(":") ? "[" + a + "]" : a) + ":" + port);
          }
        }
        rc.addVirtualHosts(EnvoyProtos.virtualHost(s.hostname() + ":" + port, domains, s.cluster(port).name()));
        any = true;
      }
    }
    if (!any) {
      return null;
    }
    rc.addVirtualHosts(EnvoyProtos.virtualHost("allow_any", Set.of("*"), EnvoyProtos.PASSTHROUGH));
    return XdsResource.of(name, rc.build());
  }

  /** Names are per port, not per service: a shape change rebuilds the type ({@link #affects}). */
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
