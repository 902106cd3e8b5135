package dev.vmesh.api.codec;

import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.VirtualServiceSpec.Destination;
import dev.vmesh.api.VirtualServiceSpec.L4Match;
import dev.vmesh.api.VirtualServiceSpec.RouteDestination;
import dev.vmesh.api.VirtualServiceSpec.TcpRoute;
import dev.vmesh.api.VirtualServiceSpec.TlsMatch;
import dev.vmesh.api.VirtualServiceSpec.TlsRoute;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code VirtualServiceCodec} reads and writes the spec of an Istio VirtualService, limited to what a gateway
 * forwarding TLS by SNI and TCP by port needs. HTTP routes, match attributes other than port and SNI, and subsets
 * are errors naming the field and what is supported, so nothing a user wrote is dropped.
 */
final class VirtualServiceCodec {
  /** Match attributes Istio has and vmesh's gateways do not use (they concern the client, not the gateway). */
  private static final List<String> OTHER_MATCH_FIELDS = List.of("destinationSubnets", "sourceSubnet",
      "sourceLabels", "gateways", "sourceNamespace");

  private VirtualServiceCodec() {}

  static VirtualServiceSpec decode(MapReader m) {
    List<String> hosts = m.stringList("hosts");
    List<String> gateways = m.stringList("gateways");
    m.unsupported("http", "HTTP routes are not supported: vmesh's gateways forward TLS by SNI (tls routes) and TCP by"
        + " port (tcp routes) without terminating them; use tls or tcp routes");
    List<TlsRoute> tls = m.list("tls", (n, p) -> item(m, n, p, "a TLS route", r -> new TlsRoute(
        r.list("match", (mn, mp) -> item(r, mn, mp, "a TLS match", VirtualServiceCodec::tlsMatch)),
        destinations(r))));
    List<TcpRoute> tcp = m.list("tcp", (n, p) -> item(m, n, p, "a TCP route", r -> new TcpRoute(
        r.list("match", (mn, mp) -> item(r, mn, mp, "a TCP match", VirtualServiceCodec::l4Match)),
        destinations(r))));
    return new VirtualServiceSpec(hosts, gateways, tls, tcp, m.stringList("exportTo"));
  }

  /** One list item read as a map by {@code fn}, checked for unknown fields; null when it is not a map. */
  private static <T> T item(MapReader parent, SourceNode n, String path, String what, Function<MapReader, T> fn) {
    MapReader r = parent.reader().map(n, path, what);
    if (r == null) {
      return null;
    }
    T out = fn.apply(r);
    r.finish();
    return out;
  }

  private static TlsMatch tlsMatch(MapReader r) {
    otherMatchFields(r, "sniHosts and port");
    return new TlsMatch(r.stringList("sniHosts"), matchPort(r));
  }

  private static L4Match l4Match(MapReader r) {
    otherMatchFields(r, "port");
    return new L4Match(matchPort(r));
  }

  private static void otherMatchFields(MapReader r, String supported) {
    for (String field : OTHER_MATCH_FIELDS) {
      r.unsupported(field, field + " is not supported in a match: vmesh's gateways match on " + supported
          + " only; remove " + field);
    }
  }

  /** A match port: 0 (as in Istio) or absent means any port. */
  private static int matchPort(MapReader r) {
    long port = r.uint32("port");
    if (port > 65535) {
      r.reader().error(r.childPath("port"), r.reader().position(r.childPath("port")), port + " is not in 1..65535");
      return 0;
    }
    return (int) port;
  }

  private static List<RouteDestination> destinations(MapReader r) {
    return r.list("route", (n, p) -> item(r, n, p, "a route destination", d -> new RouteDestination(
        d.object("destination", "a destination", VirtualServiceCodec::destination), d.int32("weight"))));
  }

  private static Destination destination(MapReader d) {
    d.unsupported("subset", "subset is not supported: vmesh has no DestinationRule subsets; route to the"
        + " service's host and port");
    Integer port = d.object("port", "a port selector", p -> p.port("number"));
    return new Destination(d.string("host"), port == null ? 0 : port);
  }

  static Map<String, Object> encode(VirtualServiceSpec v) {
    Map<String, Object> out = new LinkedHashMap<>();
    ResourceEncoder.putList(out, "hosts", v.hosts(), h -> h);
    ResourceEncoder.putList(out, "gateways", v.gateways(), g -> g);
    ResourceEncoder.putList(out, "tls", v.tls(), r -> route(r.match(), VirtualServiceCodec::tlsMatch, r.route()));
    ResourceEncoder.putList(out, "tcp", v.tcp(), r -> route(r.match(), VirtualServiceCodec::l4Match, r.route()));
    ResourceEncoder.putList(out, "exportTo", v.exportTo(), e -> e);
    return out;
  }

  private static <M> Map<String, Object> route(List<M> match, Function<M, Object> fn, List<RouteDestination> route) {
    Map<String, Object> out = new LinkedHashMap<>();
    ResourceEncoder.putList(out, "match", match, fn);
    ResourceEncoder.putList(out, "route", route, VirtualServiceCodec::destination);
    return out;
  }

  private static Object tlsMatch(TlsMatch m) {
    Map<String, Object> out = new LinkedHashMap<>();
    ResourceEncoder.putList(out, "sniHosts", m.sniHosts(), h -> h);
    ResourceEncoder.putInt(out, "port", m.port());
    return out;
  }

  private static Object l4Match(L4Match m) {
    Map<String, Object> out = new LinkedHashMap<>();
    ResourceEncoder.putInt(out, "port", m.port());
    return out;
  }

  private static Object destination(RouteDestination d) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (d.destination() != null) {
      Map<String, Object> dest = new LinkedHashMap<>();
      ResourceEncoder.putString(dest, "host", d.destination().host());
      if (d.destination().port() != 0) {
        dest.put("port", Map.of("number", d.destination().port()));
      }
      out.put("destination", dest);
    }
    ResourceEncoder.putInt(out, "weight", d.weight());
    return out;
  }
}
