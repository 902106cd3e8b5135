package dev.vmesh.registry.scope;

import static dev.vmesh.registry.scope.Scopes.listener;
import static dev.vmesh.registry.scope.Scopes.service;
import static dev.vmesh.registry.scope.Scopes.sidecar;
import static dev.vmesh.registry.scope.Scopes.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every form of egress host a Sidecar may list, matched as Istio does ({@code namespace/dnsName}: namespace
 * {@code *}, {@code .}, {@code ~} or a name; dnsName {@code *}, a wildcard or an exact name), and a listener's port
 * restricting its hosts to that port while the catch-all covers the ports no listener names.
 */
class EgressHostsMatchAsIstioDoesTest {
  private static final Service A_NS1 = service("a.ns1.svc.cluster.local", "ns1", 80);
  private static final Service B_NS2 = service("b.ns2.svc.cluster.local", "ns2", 80);
  private static final Service API = service("api.example.com", "ext", 443);
  private static final Service DEEP = service("v1.api.example.com", "ext", 443);
  private static final Service WILD = service("*.example.com", "ext", 443);
  private static final Service APEX = service("example.com", "ext", 443);

  /** The scope a workload of ns1 gets from a Sidecar in ns1 with one catch-all listener of {@code hosts}. */
  private static SidecarScope scope(String... hosts) {
    return snapshot(sidecar("ns1", "sc", 0, null, hosts)).forWorkload("ns1", Map.of());
  }

  private static List<String> imported(SidecarScope scope) {
    return List.of(A_NS1, B_NS2, API, DEEP, WILD, APEX).stream().filter(scope::imports).map(Service::hostname)
        .toList();
  }

  @Test
  void starSlashStarImportsEverything() {
    assertThat(imported(scope("*/*"))).hasSize(6);
  }

  @Test
  void dotSlashStarImportsTheSidecarsOwnNamespace() {
    assertThat(imported(scope("./*"))).containsExactly("a.ns1.svc.cluster.local");
  }

  @Test
  void aNamedNamespaceImportsThatNamespaceOnly() {
    assertThat(imported(scope("ns2/*"))).containsExactly("b.ns2.svc.cluster.local");
    assertThat(imported(scope("ext/api.example.com"))).containsExactly("api.example.com");
    assertThat(imported(scope("ns2/api.example.com"))).isEmpty();
  }

  @Test
  void tildeImportsNothing() {
    assertThat(imported(scope("~/*"))).isEmpty();
  }

  @Test
  void anExactNameMatchesOnlyThatHostInAnyNamespaceUnderStar() {
    assertThat(imported(scope("*/api.example.com"))).containsExactly("api.example.com");
    assertThat(imported(scope("*/a.ns1.svc.cluster.local"))).containsExactly("a.ns1.svc.cluster.local");
  }

  @Test
  void aWildcardNameMatchesHostsBelowItAndNarrowerWildcardsButNotTheApex() {
    assertThat(imported(scope("*/*.example.com"))).containsExactly("api.example.com", "v1.api.example.com",
        "*.example.com");
    assertThat(imported(scope("*/*.api.example.com"))).containsExactly("v1.api.example.com");
  }

  @Test
  void anExactNameDoesNotImportAWildcardServiceCoveringIt() {
    assertThat(imported(scope("*/foo.example.com"))).isEmpty();
  }

  @Test
  void hostsAreAUnionAcrossEntries() {
    assertThat(imported(scope("./*", "ns2/b.ns2.svc.cluster.local", "*/example.com"))).containsExactly(
        "a.ns1.svc.cluster.local", "b.ns2.svc.cluster.local", "example.com");
  }

  @Test
  void aListenersPortRestrictsItsHostsToThatPortAndTheCatchAllTakesTheOtherPorts() {
    Service web = service("web.ns2.svc.cluster.local", "ns2", 80, 8080, 9090);
    Service db = service("db.ns3.svc.cluster.local", "ns3", 5432, 8080);
    SidecarScope s = snapshot(sidecar("ns1", "sc", 0, null, List.of(listener(8080, "ns3/*"),
        listener(0, "ns2/*")), null)).forWorkload("ns1", Map.of());
    assertThat(s.ports(web)).extracting(ServicePort::number).containsExactly(80, 9090);
    assertThat(s.ports(db)).extracting(ServicePort::number).containsExactly(8080);
    assertThat(s.imports(db, 5432)).isFalse();
    assertThat(s.imports(web, 8080)).isFalse();
    assertThat(s.imports(web, 80)).isTrue();
  }

  @Test
  void withoutCatchAllOnlyTheListedPortsAreInScope() {
    Service web = service("web.ns2.svc.cluster.local", "ns2", 80, 8080);
    SidecarScope s = snapshot(sidecar("ns1", "sc", 0, null, List.of(listener(8080, "*/*")), null))
        .forWorkload("ns1", Map.of());
    assertThat(s.ports(web)).extracting(ServicePort::number).containsExactly(8080);
    assertThat(s.ports(service("x.example.com", "ext", 443))).isEmpty();
  }
}
