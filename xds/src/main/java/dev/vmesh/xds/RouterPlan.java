package dev.vmesh.xds;

import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.GatewaySpec.Server;
import dev.vmesh.api.GatewaySpec.TlsMode;
import dev.vmesh.api.HostNames;
import dev.vmesh.api.Location;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.VirtualServiceSpec.RouteDestination;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code RouterPlan} is what one network gateway ({@code router~} proxy) serves, from the Gateways whose selector
 * matches its labels (oldest first; of servers of several Gateways on one port the oldest's protocol and mode
 * win) and the VirtualServices bound to them (istio-dataplane spec E.6, E.7):
 * <ul>
 *   <li>an AUTO_PASSTHROUGH server gets one chain per port of each visible, non-external service whose host falls
 *       under the server's hosts: SNI {@code outbound_.PORT_._.HOST} and Istio's ALPNs, forwarded without
 *       terminating TLS to the cluster of the same name (its endpoints: those of the gateway's own network that
 *       take mTLS);
 *   <li>a PASSTHROUGH server gets one chain per {@code tls} route match of its VirtualServices on its port (SNI
 *       hosts; {@code *} matches any), forwarded to {@code outbound|PORT||HOST};
 *   <li>a TCP server gets the first {@code tcp} route on its port.
 * </ul>
 * A chain whose match an earlier chain of the port already has is left out (Envoy refuses duplicates).
 */
record RouterPlan(List<PortPlan> ports, Set<String> clusters) {

  /** Istio's ALPNs for mesh mTLS, which an AUTO_PASSTHROUGH chain requires besides the SNI. */
  static final List<String> ISTIO_ALPNS = List.of("istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1",
      "istio-h2");

  /** One listener: its port, whether it inspects TLS (SNI, ALPN), its chains. */
  record PortPlan(int port, boolean tls, List<Chain> chains) {
    String listenerName() {
      return "0.0.0.0_" + port;
    }
  }

  /**
   * One filter chain.
   *
   * @param serverNames SNI values matched; empty matches any
   * @param alpn ALPN values required; empty requires none
   * @param routes the clusters connections go to, with weights (one route: weight ignored)
   */
  record Chain(String name, List<String> serverNames, List<String> alpn, List<Route> routes) {}

  /** A cluster and its share of connections. */
  record Route(String cluster, int weight) {}

  static RouterPlan of(Proxy proxy, MeshView mesh) {
    var config = mesh.gatewayConfig();
    Map<Integer, Server> byPort = new TreeMap<>();
    Map<Integer, List<Chain>> chains = new TreeMap<>();
    Set<String> clusters = new LinkedHashSet<>();
    for (Resource gw : config.gatewaysFor(proxy.labels())) {
      List<Resource> routes = config.virtualServicesFor(gw);
      for (Server server : gw.spec(GatewaySpec.class).servers()) {
        if (server.port() == null) {
          continue;
        }
        int port = server.port().number();
        Server first = byPort.putIfAbsent(port, server);
        if (first != null && !sameKind(first, server)) {
          continue; // another Gateway's server holds the port with another protocol or mode
        }
        List<Chain> out = chains.computeIfAbsent(port, p -> new ArrayList<>());
        if (isTls(server) && mode(server) == TlsMode.AUTO_PASSTHROUGH) {
          autoPassthrough(proxy, mesh, gw.namespace(), server, out, clusters);
        } else {
          routed(gw.namespace(), server, routes, out, clusters);
        }
      }
    }
    List<PortPlan> ports = new ArrayList<>();
    chains.forEach((port, list) -> {
      if (!list.isEmpty()) {
        ports.add(new PortPlan(port, isTls(byPort.get(port)), List.copyOf(list)));
      }
    });
    return new RouterPlan(List.copyOf(ports), Set.copyOf(clusters));
  }

  private static boolean isTls(Server s) {
    String p = s.port().protocol().toUpperCase(Locale.ROOT);
    return p.equals("TLS") || p.equals("HTTPS");
  }

  private static TlsMode mode(Server s) {
    return s.tls() == null ? TlsMode.PASSTHROUGH : s.tls().mode();
  }

  private static boolean sameKind(Server a, Server b) {
    return isTls(a) == isTls(b) && (!isTls(a) || mode(a) == mode(b));
  }

  private static void autoPassthrough(Proxy proxy, MeshView mesh, String gatewayNamespace, Server server,
      List<Chain> out, Set<String> clusters) {
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      if (s.location() == Location.MESH_EXTERNAL || !mesh.isChosen(s, proxy.namespace())
          || !underHosts(s.hostname(), s.namespace(), server.hosts(), gatewayNamespace)) {
        continue;
      }
      for (ServicePort p : s.ports()) {
        if ("UDP".equalsIgnoreCase(p.protocol())) {
          continue;
        }
        String sni = s.cluster(p.number()).sni();
        add(out, new Chain(sni, List.of(sni), ISTIO_ALPNS, List.of(new Route(sni, 1))));
        clusters.add(sni);
      }
    }
  }

  private static void routed(String gatewayNamespace, Server server, List<Resource> virtualServices, List<Chain> out,
      Set<String> clusters) {
    int port = server.port().number();
    boolean tls = isTls(server);
    for (Resource vs : virtualServices) {
      VirtualServiceSpec spec = vs.spec(VirtualServiceSpec.class);
      if (spec.hosts().stream().noneMatch(h -> server.hosts().stream().anyMatch(sh -> HostNames.overlap(
          hostPart(sh), h)))) {
        continue;
      }
      if (tls) {
        for (VirtualServiceSpec.TlsRoute r : spec.tls()) {
          for (VirtualServiceSpec.TlsMatch m : r.match()) {
            if (m.port() == 0 || m.port() == port) {
              List<String> sni = m.sniHosts().contains("*") ? List.of() : m.sniHosts();
              add(out, new Chain(vs.namespace() + "/" + vs.name() + "#" + out.size(), sni, List.of(), routes(r.route(), port, clusters)));
            }
          }
        }
      } else {
        for (VirtualServiceSpec.TcpRoute r : spec.tcp()) {
          boolean matches = r.match().isEmpty() || r.match().stream().anyMatch(m -> m.port() == 0 || m.port() == port);
          if (matches) {
            add(out, new Chain(vs.namespace() + "/" + vs.name() + "#" + out.size(), List.of(), List.of(), routes(r.route(), port, clusters)));
          }
        }
      }
    }
  }

  private static List<Route> routes(List<RouteDestination> destinations, int serverPort, Set<String> clusters) {
    List<Route> out = new ArrayList<>();
    for (RouteDestination d : destinations) {
      if (d.destination() == null) {
        continue;
      }
      int port = d.destination().port() > 0 ? d.destination().port() : serverPort;
      String cluster = ClusterKey.outbound(d.destination().host(), port).name();
      clusters.add(cluster);
      out.add(new Route(cluster, Math.max(1, d.weight())));
    }
    return out;
  }

  /** Adds {@code c} unless a chain of the port already matches the same SNI and ALPN, or it routes nowhere. */
  private static void add(List<Chain> out, Chain c) {
    if (c.routes().isEmpty()) {
      return;
    }
    for (Chain have : out) {
      if (new LinkedHashSet<>(have.serverNames()).equals(new LinkedHashSet<>(c.serverNames()))
          && have.alpn().equals(c.alpn())) {
        return;
      }
    }
    out.add(c);
  }

  /**
   * Whether a service named {@code host} in {@code namespace} falls under one of a server's {@code hosts}
   * ({@code [namespace/]host}: {@code *} or no namespace part for any, {@code .} for the Gateway's own).
   */
  static boolean underHosts(String host, String namespace, List<String> hosts, String gatewayNamespace) {
    for (String h : hosts) {
      int slash = h.indexOf('/');
      String ns = slash < 0 ? "*" : h.substring(0, slash);
      boolean nsMatches = ns.equals("*") || ns.equals(".") && namespace.equals(gatewayNamespace) || ns.equals(namespace);
      String name = hostPart(h);
      if (nsMatches && (name.equals("*") || name.equals(host) || HostNames.isWildcard(name)
          && host.endsWith(name.substring(1)))) {
        return true;
      }
    }
    return false;
  }

  private static String hostPart(String h) {
    int slash = h.indexOf('/');
    return slash < 0 ? h : h.substring(slash + 1);
  }

  /** What a gateway's plan depends on beyond the mesh: its namespace (visibility) and labels (which Gateways select it). */
  static String cacheVariant(Proxy proxy) {
    return "router/" + proxy.namespace() + "/" + new TreeMap<>(proxy.labels());
  }

  /** The listener names, in port order. */
  Set<String> listenerNames() {
    Set<String> out = new LinkedHashSet<>();
    ports.forEach(p -> out.add(p.listenerName()));
    return out;
  }

  /** The plan of port {@code name} ({@code 0.0.0.0_PORT}), or null. */
  PortPlan port(String name) {
    for (PortPlan p : ports) {
      if (p.listenerName().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
