package dev.vmesh.xds;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code SidecarRouteType} is RDS for Envoy sidecars: route config {@code <port>} with a virtual host per
 * visible HTTP service on that port, for every name it answers to ({@link #domains}; a name already taken
 * by an earlier host is left out, since Envoy refuses a domain twice), then the catch-all of the outbound
 * traffic policy ({@link #catchAll}); and {@code <host>:<port>} for each auto-detected port of a service
 * with a single-IP address ({@link #sniffed}). Route configs aggregate services by port, so any change of a service's
 * shape rebuilds them all.
 */
final class SidecarRouteType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.ROUTE;
  }

  @Override
  public boolean serves(Proxy proxy) {
    return !proxy.proxyless() && !proxy.router();
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        if (EnvoyProtos.isHttp(p.protocol())) {
          out.add(Integer.toString(p.number()));
        } else if (EnvoyProtos.isAutoDetected(p.protocol()) && !OutboundListeners.ips(s).isEmpty()) {
          out.add(s.hostname() + ":" + p.number());
        }
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (name.indexOf(':') > 0) {
      return sniffed(proxy, name, mesh);
    }
    int port;
    try {
      port = Integer.parseInt(name);
    } catch (NumberFormatException e) {
      return null;
    }
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName(name).setValidateClusters(BoolValue.of(false));
    Set<String> taken = new HashSet<>();
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        if (p.number() != port || !EnvoyProtos.isHttp(p.protocol()) || !mesh.isChosen(s, proxy)) {
          continue;
        }
        Set<String> domains = new LinkedHashSet<>();
        for (String d : domains(s, port, proxy.namespace())) {
          if (taken.add(d)) {
            domains.add(d);
          }
        }
        if (!domains.isEmpty()) {
          rc.addVirtualHosts(EnvoyProtos.virtualHost(s.hostname() + ":" + port, domains, s.cluster(port).name()));
        }
      }
    }
    if (rc.getVirtualHostsCount() == 0) {
      return null;
    }
    rc.addVirtualHosts(catchAll(mesh.sidecar(proxy).outboundTrafficPolicy()));
    return XdsResource.of(name, rc.build());
  }

  /**
   * Route config {@code <host>:<port>}: the HTTP chain of an auto-detected service's own listener (at its
   * address), so every request there goes to that service, whatever its Host (Istio's route for a sniffed
   * service port: its one virtual host, domain {@code *}, no catch-all).
   */
  private static XdsResource sniffed(Proxy proxy, String name, MeshView mesh) {
    MeshView.ServicePortRef ref = mesh.hostPort(name, proxy);
    if (ref == null || !EnvoyProtos.isAutoDetected(ref.port().protocol())
        || OutboundListeners.ips(ref.service()).isEmpty()) {
      return null;
    }
    return XdsResource.of(name, RouteConfiguration.newBuilder().setName(name).setValidateClusters(BoolValue.of(false))
        .addVirtualHosts(EnvoyProtos.virtualHost(name, Set.of("*"), ref.service().cluster(ref.port().number()).name()))
        .build());
  }

  /**
   * Every name a client in {@code namespace} may use for {@code s} on {@code port}, each bare and with
   * {@code :port}: the hostname; for a Kubernetes-style name {@code name.ns.svc.<domain>} also
   * {@code name.ns.svc}, {@code name.ns} and, from the same namespace, {@code name}; each IP of the service
   * (IPv6 in brackets).
   */
  static List<String> domains(Service s, int port, String namespace) {
    List<String> names = new ArrayList<>();
    String host = s.hostname();
    names.add(host);
    String svc = "." + s.namespace() + ".svc.";
    int at = host.indexOf(svc);
    if (at > 0 && host.indexOf('.') == at && at + svc.length() < host.length()) {
      String shortName = host.substring(0, at);
      names.add(shortName + "." + s.namespace() + ".svc");
      names.add(shortName + "." + s.namespace());
      if (s.namespace().equals(namespace)) {
        names.add(shortName);
      }
    }
    for (String a : s.addresses()) {
      if (Addresses.isIp(a)) {
        names.add(a.contains(":") ? "[" + a + "]" : a);
      }
    }
    List<String> out = new ArrayList<>(names.size() * 2);
    for (String n : names) {
      out.add(n);
      out.add(n + ":" + port);
    }
    return out;
  }

  /**
   * What answers hosts no service claims: {@code allow_any}, to the original destination (ALLOW_ANY), or
   * {@code block_all}, a 502 (REGISTRY_ONLY).
   */
  static VirtualHost catchAll(SidecarOptions.OutboundTrafficPolicy policy) {
    if (policy == SidecarOptions.OutboundTrafficPolicy.ALLOW_ANY) {
      return VirtualHost.newBuilder().setName("allow_any").addDomains("*")
          .addRoutes(Route.newBuilder().setName("allow_any").setMatch(RouteMatch.newBuilder().setPrefix("/"))
              .setRoute(RouteAction.newBuilder().setCluster(EnvoyProtos.PASSTHROUGH)
                  .setTimeout(Duration.getDefaultInstance())))
          .build();
    }
    return VirtualHost.newBuilder().setName("block_all").addDomains("*")
        .addRoutes(Route.newBuilder().setName("block_all").setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(502)))
        .build();
  }

  /** Names are per port, not per service: a shape change rebuilds the type ({@link #affects}). */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {}

  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.shapesChanged() || request.rescopes(proxy);
  }

  @Override
  public boolean staleAll(PushRequest request) {
    return request.shapesChanged() || request.rescopesAny();
  }

  /** The virtual hosts and the catch-all follow the proxy's Sidecar. */
  @Override
  public boolean scoped() {
    return true;
  }

}
