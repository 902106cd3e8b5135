package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * VirtualService validation follows Istio's webhook for a VirtualService bound to gateways (hosts, gateway names,
 * TLS matches with SNI hosts inside the hosts, destinations, weights, exportTo, unreachable rules as warnings),
 * refuses one bound to the sidecars, and every problem names its file, line, column and field.
 */
class VirtualServiceIsValidatedAsIstioDoesTest {

  private static List<String> problems(String spec) {
    return Problems.of("vs.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: vs,"
        + " namespace: istio-system}\n", spec);
  }

  @Test
  void tlsAndTcpRoutesToServicesAreValid() {
    assertThat(problems("""
        hosts: ["*.example.com", db.internal]
        gateways: [istio-system/gw, gw2]
        tls:
        - match: [{port: 443, sniHosts: [a.example.com, "*.b.example.com"]}]
          route:
          - {destination: {host: a.ns1.svc.cluster.local, port: {number: 8443}}, weight: 80}
          - {destination: {host: a2.ns1.svc.cluster.local}, weight: 20}
        tcp:
        - match: [{port: 5432}]
          route: [{destination: {host: db.internal, port: {number: 5432}}}]
        exportTo: [".", ns2]
        """)).isEmpty();
  }

  @Test
  void aVirtualServiceForTheSidecarsIsRefusedBecauseItWouldDoNothing() {
    assertThat(problems("""
        hosts: [a.example.com]
        tcp: [{route: [{destination: {host: a.example.com}}]}]
        """)).containsExactly("vs.yaml:5:3: spec.gateways: a VirtualService without gateways applies to sidecars,"
        + " which vmesh routes without VirtualServices, so it would have no effect; name the Gateway it is for, e.g."
        + " gateways: [istiod-gateway]");
    assertThat(problems("""
        hosts: [a.example.com]
        gateways: [gw, mesh]
        tcp: [{route: [{destination: {host: a.example.com}}]}]
        """)).containsExactly("vs.yaml:6:18: spec.gateways[1]: \"mesh\" (the sidecars) is not supported: vmesh routes"
        + " sidecar traffic without VirtualServices; list Gateways only");
  }

  @Test
  void gatewayNamesAreNameOrNamespaceSlashName() {
    assertThat(problems("""
        hosts: ["*"]
        gateways: [Bad_NS/gw, ns/gw.x, gw.istio-system.svc.cluster.local]
        tcp: [{route: [{destination: {host: a.example.com}}]}]
        """)).containsExactly(
        "vs.yaml:6:14: spec.gateways[0]: invalid namespace \"Bad_NS\" in gateway \"Bad_NS/gw\"; use NAMESPACE/NAME",
        "vs.yaml:6:25: spec.gateways[1]: invalid gateway name \"gw.x\" in \"ns/gw.x\"; a Gateway's name is a DNS"
            + " label",
        "vs.yaml:6:34: warning: spec.gateways[2]: \"gw.istio-system.svc.cluster.local\" is the legacy gateway name"
            + " form; prefer NAMESPACE/NAME: \"istio-system/gw\"");
  }

  @Test
  void hostsAreRequiredValidAndDistinct() {
    assertThat(problems("""
        gateways: [gw]
        tcp: [{route: [{destination: {host: a.example.com}}]}]
        """)).containsExactly("vs.yaml:5:3: spec.hosts: at least one host is required (a VirtualService without hosts"
        + " is a delegate, which vmesh does not support), e.g. hosts: [\"*\"]");
    assertThat(problems("""
        hosts: ["*.example.com", a.example.com, "b*.example.com"]
        gateways: [gw]
        tcp: [{route: [{destination: {host: a.example.com}}]}]
        """)).containsExactly("vs.yaml:5:43: spec.hosts[2]: invalid host \"b*.example.com\": a wildcard must be a whole"
        + " first label (*.example.com or *)");
    assertThat(problems("""
        hosts: ["*.example.com", a.example.com]
        gateways: [gw]
        tcp: [{route: [{destination: {host: a.example.com}}]}]
        """)).containsExactly("vs.yaml:5:28: spec.hosts[1]: duplicate hosts in the VirtualService: \"*.example.com\""
        + " and \"a.example.com\" overlap; keep one");
  }

  @Test
  void routesAreRequired() {
    assertThat(problems("""
        hosts: ["*"]
        gateways: [gw]
        """)).containsExactly("vs.yaml:5:3: spec: a VirtualService needs tls or tcp routes (vmesh's gateways forward"
        + " TLS by SNI and TCP by port)");
  }

  @Test
  void tlsMatchesNeedSniHostsWithinTheHosts() {
    assertThat(problems("""
        hosts: ["*.example.com"]
        gateways: [gw]
        tls:
        - route: [{destination: {host: a.example.com}}]
        - match: [{port: 443}]
          route: [{destination: {host: a.example.com}}]
        - match: [{sniHosts: [a.other.com, "outbound_.80_._.a.example.com", 10.0.0.1, "outbound_.x"]}]
          route: [{destination: {host: a.example.com}}]
        """)).containsExactly(
        "vs.yaml:8:5: spec.tls[0].match: a TLS route needs at least one match, e.g. {port: 15012, sniHosts: [\"*\"]}",
        "vs.yaml:9:13: spec.tls[1].match[0].sniHosts: a TLS match needs at least one SNI host, e.g. sniHosts:"
            + " [\"*\"]",
        "vs.yaml:11:25: spec.tls[2].match[0].sniHosts[0]: SNI host \"a.other.com\" is not within any of the"
            + " VirtualService's hosts [*.example.com]; add a host that covers it, or match a narrower SNI",
        "vs.yaml:11:71: warning: spec.tls[2].match[0].sniHosts[2]: an IP address (\"10.0.0.1\") as SNI goes against"
            + " the TLS standard; most clients never send one",
        "vs.yaml:11:81: spec.tls[2].match[0].sniHosts[3]: invalid SNI host \"outbound_.x\": an outbound SNI host must"
            + " have the form outbound_.PORT_._.HOST",
        "vs.yaml:9:5: warning: spec.tls[1]: this rule is never used: rule 0 before it has no matches and takes every"
            + " connection",
        "vs.yaml:11:5: warning: spec.tls[2]: this rule is never used: rule 0 before it has no matches and takes every"
            + " connection");
  }

  @Test
  void destinationsNameOneServiceWithSensibleWeights() {
    assertThat(problems("""
        hosts: ["*"]
        gateways: [gw]
        tcp:
        - route: [{weight: 1}, {destination: {host: "*"}}, {destination: {host: "a_b.com"}, weight: -1}]
        - match: [{port: 1}]
          route: [{destination: {host: a.com}}, {destination: {host: b.com}}]
        - match: []
          route: []
        """)).containsExactly(
        "vs.yaml:8:13: spec.tcp[0].route[0].destination: destination is required: {host: HOST, port: {number: PORT}}",
        "vs.yaml:8:47: spec.tcp[0].route[1].destination.host: invalid destination host \"*\": name one service",
        "vs.yaml:8:75: spec.tcp[0].route[2].destination.host: invalid destination host \"a_b.com\": \"a_b\" is not a"
            + " valid DNS label (letters, digits and '-', at most 63)",
        "vs.yaml:8:95: spec.tcp[0].route[2].weight: weight -1 is negative; use 0 or more",
        "vs.yaml:8:12: spec.tcp[0].route: the destinations' weights add up to 0; give at least one a weight",
        "vs.yaml:10:12: spec.tcp[1].route: the destinations' weights add up to 0; give at least one a weight",
        "vs.yaml:12:12: spec.tcp[2].route: a TCP route needs at least one destination, e.g. route: [{destination:"
            + " {host: istiod.istio-system.svc.cluster.local, port: {number: 15012}}}]",
        "vs.yaml:9:5: warning: spec.tcp[1]: this rule is never used: rule 0 before it has no matches and takes"
            + " every connection",
        "vs.yaml:11:5: warning: spec.tcp[2]: this rule is never used: only the last rule can have no matches");
  }

  @Test
  void exportToNoneIsForServiceEntriesOnly() {
    assertThat(problems("""
        hosts: ["*"]
        gateways: [gw]
        tcp: [{route: [{destination: {host: a.com}}]}]
        exportTo: ["~"]
        """)).containsExactly("vs.yaml:8:14: spec.exportTo[0]: \"~\" (no namespace) is allowed on ServiceEntries only;"
        + " use \".\", \"*\" or namespaces");
  }

  @Test
  void repeatedMatchesAreWarnedAboutAsIstioDoes() {
    assertThat(problems("""
        hosts: ["*"]
        gateways: [gw]
        tcp:
        - match: [{port: 1}]
          route: [{destination: {host: a.com}}]
        - match: [{port: 1}]
          route: [{destination: {host: b.com}}]
        """)).containsExactly(
        "vs.yaml:10:13: warning: spec.tcp[1].match[0]: this match is never used: rule 0 has the same match",
        "vs.yaml:10:5: warning: spec.tcp[1]: this rule is never used: earlier rules take all its matches");
  }
}
