package dev.vmesh.api.validation;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.HostNames;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.VirtualServiceSpec.RouteDestination;
import dev.vmesh.api.VirtualServiceSpec.TlsMatch;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code VirtualServiceRules} validates a VirtualService as Istio's webhook does for one bound to gateways (hosts,
 * gateway names, TLS routes with SNI hosts within the VirtualService's hosts, TCP routes, destinations and
 * weights, exportTo, unreachable rules as warnings), and refuses one bound to no gateway or to {@code mesh}: vmesh
 * routes sidecar traffic without VirtualServices, so such an object would have no effect.
 */
final class VirtualServiceRules {
  /** Istio's auto-generated SNI form, allowed as an SNI host on gateways: {@code outbound_.PORT_._.HOST}. */
  private static final Pattern OUTBOUND_SNI = Pattern.compile("outbound_\\.[0-9]+_\\.[^_]*_\\.[a-zA-Z].*");
  static final String MESH = "mesh";

  private VirtualServiceRules() {}

  static void validate(ObjectMeta meta, VirtualServiceSpec v, Findings f) {
    gateways(v.gateways(), f);
    hosts(v, f);
    if (v.tls().isEmpty() && v.tcp().isEmpty()) {
      f.error("spec", "a VirtualService needs tls or tcp routes (vmesh's gateways forward TLS by SNI and TCP by"
          + " port)");
    }
    for (int i = 0; i < v.tls().size(); i++) {
      String path = "spec.tls[" + i + "]";
      var route = v.tls().get(i);
      if (route.match().isEmpty()) {
        f.error(path + ".match", "a TLS route needs at least one match, e.g. {port: 15012, sniHosts: [\"*\"]}");
      }
      for (int j = 0; j < route.match().size(); j++) {
        tlsMatch(path + ".match[" + j + "]", route.match().get(j), v, f);
      }
      destinations(path + ".route", route.route(), "TLS", f);
    }
    for (int i = 0; i < v.tcp().size(); i++) {
      destinations("spec.tcp[" + i + "].route", v.tcp().get(i).route(), "TCP", f);
    }
    ExportToRules.validate(meta.namespace(), v.exportTo(), false, f);
    unreachable("spec.tls", v.tls().stream().<List<?>>map(VirtualServiceSpec.TlsRoute::match).toList(), f);
    unreachable("spec.tcp", v.tcp().stream().<List<?>>map(VirtualServiceSpec.TcpRoute::match).toList(), f);
  }

  private static void gateways(List<String> gateways, Findings f) {
    if (gateways.isEmpty()) {
      f.error("spec.gateways", "a VirtualService without gateways applies to sidecars, which vmesh routes without"
          + " VirtualServices, so it would have no effect; name the Gateway it is for, e.g. gateways: [istiod-gateway]");
    }
    for (int i = 0; i < gateways.size(); i++) {
      String g = gateways.get(i);
      String path = "spec.gateways[" + i + "]";
      if (g.equals(MESH)) {
        f.error(path, "\"mesh\" (the sidecars) is not supported: vmesh routes sidecar traffic without"
            + " VirtualServices; list Gateways only");
        continue;
      }
      int slash = g.indexOf('/');
      if (slash < 0) {
        String problem = Names.fqdnProblem(g);
        if (problem != null) {
          f.error(path, "invalid gateway \"" + g + "\": " + problem + "; use NAME or NAMESPACE/NAME");
        } else if (g.contains(".")) {
          String[] parts = g.split("\\.");
          f.warning(path, "\"" + g + "\" is the legacy gateway name form; prefer NAMESPACE/NAME: \"" + parts[1]
              + "/" + parts[0] + "\"");
        }
        continue;
      }
      String ns = g.substring(0, slash);
      String name = g.substring(slash + 1);
      if (!Names.isDns1123Label(ns)) {
        f.error(path, "invalid namespace \"" + ns + "\" in gateway \"" + g + "\"; use NAMESPACE/NAME");
      }
      if (!Names.isDns1123Label(name)) {
        f.error(path, "invalid gateway name \"" + name + "\" in \"" + g + "\"; a Gateway's name is a DNS label");
      }
    }
  }

  private static void hosts(VirtualServiceSpec v, Findings f) {
    if (v.hosts().isEmpty()) {
      f.error("spec.hosts", "at least one host is required (a VirtualService without hosts is a delegate, which"
          + " vmesh does not support), e.g. hosts: [\"*\"]");
    }
    boolean sni = v.tls().stream().anyMatch(r -> r.match().stream().anyMatch(m -> !m.sniHosts().isEmpty()));
    boolean allValid = true;
    for (int i = 0; i < v.hosts().size(); i++) {
      String problem = domainProblem(v.hosts().get(i), sni);
      if (problem != null && !Addresses.isIp(v.hosts().get(i))) {
        f.error("spec.hosts[" + i + "]", "invalid host \"" + v.hosts().get(i) + "\": " + problem);
        allValid = false;
      }
    }
    if (!allValid) {
      return;
    }
    for (int i = 0; i < v.hosts().size(); i++) {
      for (int j = i + 1; j < v.hosts().size(); j++) {
        if (HostNames.overlap(v.hosts().get(i), v.hosts().get(j))) {
          f.error("spec.hosts[" + j + "]", "duplicate hosts in the VirtualService: \"" + v.hosts().get(i) + "\" and \""
              + v.hosts().get(j) + "\" overlap; keep one");
        }
      }
    }
  }

  /** Istio's host rule for a VirtualService bound to a gateway: a wildcard domain, or the outbound SNI form. */
  private static String domainProblem(String host, boolean sni) {
    if (sni && host.startsWith("outbound_")) {
      return OUTBOUND_SNI.matcher(host).matches() ? null
          : "an outbound SNI host must have the form outbound_.PORT_._.HOST";
    }
    if (Names.isPartialWildcard(host)) {
      return "a wildcard must be a whole first label (*.example.com or *)";
    }
    return Names.wildcardHostProblem(host);
  }

  private static void tlsMatch(String path, TlsMatch m, VirtualServiceSpec v, Findings f) {
    if (m.sniHosts().isEmpty()) {
      f.error(path + ".sniHosts", "a TLS match needs at least one SNI host, e.g. sniHosts: [\"*\"]");
    }
    for (int k = 0; k < m.sniHosts().size(); k++) {
      String sni = m.sniHosts().get(k);
      String where = path + ".sniHosts[" + k + "]";
      String problem = domainProblem(sni, true);
      if (problem != null) {
        if (Addresses.isIp(sni)) {
          f.warning(where, "an IP address (\"" + sni + "\") as SNI goes against the TLS standard; most clients never"
              + " send one");
        } else {
          f.error(where, "invalid SNI host \"" + sni + "\": " + problem);
        }
        continue;
      }
      if (v.hosts().stream().noneMatch(h -> HostNames.subsetOf(sni, h))) {
        f.error(where, "SNI host \"" + sni + "\" is not within any of the VirtualService's hosts ["
            + String.join(", ", v.hosts()) + "]; add a host that covers it, or match a narrower SNI");
      }
    }
  }

  private static void destinations(String path, List<RouteDestination> route, String kind, Findings f) {
    if (route.isEmpty()) {
      f.error(path, "a " + kind + " route needs at least one destination, e.g. route: [{destination: {host:"
          + " istiod.istio-system.svc.cluster.local, port: {number: 15012}}}]");
    }
    long total = 0;
    for (int i = 0; i < route.size(); i++) {
      RouteDestination d = route.get(i);
      String where = path + "[" + i + "]";
      if (d.destination() == null) {
        f.error(where + ".destination", "destination is required: {host: HOST, port: {number: PORT}}");
      } else if (d.destination().host().equals("*")) {
        f.error(where + ".destination.host", "invalid destination host \"*\": name one service");
      } else {
        String problem = Names.wildcardHostProblem(d.destination().host());
        if (problem != null) {
          f.error(where + ".destination.host", "invalid destination host \"" + d.destination().host() + "\": "
              + problem);
        }
      }
      if (d.weight() < 0) {
        f.error(where + ".weight", "weight " + d.weight() + " is negative; use 0 or more");
      }
      total += d.weight();
    }
    if (route.size() > 1 && total == 0) {
      f.error(path, "the destinations' weights add up to 0; give at least one a weight");
    }
  }

  /**
   * Istio's unreachable-rule warnings: a rule after one without matches, and a match already used by an earlier
   * rule, never apply.
   */
  private static void unreachable(String path, List<List<?>> matches, Findings f) {
    Map<Object, Integer> seen = new HashMap<>();
    int catchAll = -1;
    for (int i = 0; i < matches.size(); i++) {
      List<?> ms = matches.get(i);
      String rule = path + "[" + i + "]";
      if (ms.isEmpty()) {
        if (catchAll >= 0) {
          f.warning(rule, "this rule is never used: only the last rule can have no matches");
        }
        catchAll = i;
        continue;
      }
      if (catchAll >= 0) {
        f.warning(rule, "this rule is never used: rule " + catchAll + " before it has no matches and takes every"
            + " connection");
        continue;
      }
      int duplicates = 0;
      for (int j = 0; j < ms.size(); j++) {
        Integer earlier = seen.putIfAbsent(ms.get(j), i);
        if (earlier != null) {
          duplicates++;
          f.warning(rule + ".match[" + j + "]", "this match is never used: rule " + earlier
              + " has the same match");
        }
      }
      if (duplicates == ms.size()) {
        f.warning(rule, "this rule is never used: earlier rules take all its matches");
      }
    }
  }
}
