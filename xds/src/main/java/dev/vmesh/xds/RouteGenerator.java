package dev.vmesh.xds;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code RouteGenerator} builds RDS. Proxyless gRPC: route config {@code host:port} with one virtual
 * host (domains {@code host} and {@code host:port}) sending everything to {@code outbound|port||host}.
 * Envoy sidecars: route config {@code <port>} with a virtual host per visible HTTP service on that port
 * (domains: host, host:port, each IP and IP:port), and a catch-all to the PassthroughCluster.
 */
final class RouteGenerator implements Generator {

  @Override
  public String typeUrl() {
    return TypeUrls.ROUTE;
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      for (ServicePort p : s.ports()) {
        if (proxy.proxyless()) {
          out.add(s.hostname() + ":" + p.number());
        } else if (EnvoyProtos.isHttp(p.protocol())) {
          out.add(Integer.toString(p.number()));
        }
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (proxy.proxyless()) {
      MeshView.ServicePortRef ref = mesh.hostPort(name, proxy.namespace());
      if (ref == null) {
        return null;
      }
      String host = ref.service().hostname();
      return XdsResource.of(name, RouteConfiguration.newBuilder().setName(name)
          .addVirtualHosts(virtualHost(name, Set.of(host, name), ref.service().cluster(ref.port().number()).name()))
          .build());
    }
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
        rc.addVirtualHosts(virtualHost(s.hostname() + ":" + port, domains, s.cluster(port).name()));
        any = true;
      }
    }
    if (!any) {
      return null;
    }
    rc.addVirtualHosts(virtualHost("allow_any", Set.of("*"), EnvoyProtos.PASSTHROUGH));
    return XdsResource.of(name, rc.build());
  }

  private static VirtualHost virtualHost(String name, Set<String> domains, String cluster) {
    return VirtualHost.newBuilder().setName(name).addAllDomains(domains)
        .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix(""))
            .setRoute(RouteAction.newBuilder().setCluster(cluster)))
        .build();
  }
}
