package dev.vmesh.api;

import java.util.List;
import java.util.Objects;

/**
 * {@code VirtualServiceSpec} is the spec of an Istio VirtualService ({@code networking.istio.io}), the part a
 * gateway needs to forward connections it does not terminate: TLS routes by port and SNI, TCP routes by port.
 * HTTP routes and the other match attributes are refused when decoding, never dropped.
 *
 * @param hosts the hosts the routes apply to ({@code *} is allowed for a VirtualService bound to a gateway)
 * @param gateways the Gateways it binds to ({@code [namespace/]name}; {@code mesh} for sidecars)
 */
public record VirtualServiceSpec(List<String> hosts, List<String> gateways, List<TlsRoute> tls,
    List<TcpRoute> tcp, List<String> exportTo) implements Spec {

  public VirtualServiceSpec {
    hosts = copy(hosts);
    gateways = copy(gateways);
    tls = copy(tls);
    tcp = copy(tcp);
    exportTo = copy(exportTo);
  }

  private static <T> List<T> copy(List<T> l) {
    return l == null ? List.of() : List.copyOf(l);
  }

  @Override
  public Kind kind() {
    return Kind.VIRTUAL_SERVICE;
  }

  /** A route for TLS connections not terminated: the first route whose match fits the connection wins. */
  public record TlsRoute(List<TlsMatch> match, List<RouteDestination> route) {
    public TlsRoute {
      match = copy(match);
      route = copy(route);
    }
  }

  /**
   * Matches a TLS connection by the SNI it sends and the port it arrives on.
   *
   * @param port 0 when absent (any port)
   */
  public record TlsMatch(List<String> sniHosts, int port) {
    public TlsMatch {
      sniHosts = copy(sniHosts);
    }
  }

  /** A route for TCP connections. */
  public record TcpRoute(List<L4Match> match, List<RouteDestination> route) {
    public TcpRoute {
      match = copy(match);
      route = copy(route);
    }
  }

  /**
   * Matches a TCP connection by the port it arrives on.
   *
   * @param port 0 when absent (any port)
   */
  public record L4Match(int port) {}

  /**
   * Where a route sends connections, and its share of them.
   *
   * @param destination null when absent (invalid)
   * @param weight 0 when absent
   */
  public record RouteDestination(Destination destination, int weight) {}

  /**
   * A service by host name, and the port to use on it.
   *
   * @param port {@code port.number}, 0 when absent (the service's only port)
   */
  public record Destination(String host, int port) {
    public Destination {
      host = Objects.requireNonNullElse(host, "");
    }
  }
}
