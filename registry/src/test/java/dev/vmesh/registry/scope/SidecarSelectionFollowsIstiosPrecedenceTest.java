package dev.vmesh.registry.scope;

import static dev.vmesh.registry.scope.Scopes.ROOT;
import static dev.vmesh.registry.scope.Scopes.service;
import static dev.vmesh.registry.scope.Scopes.sidecar;
import static dev.vmesh.registry.scope.Scopes.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import dev.vmesh.api.SidecarSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which Sidecar a workload gets, one rule of istiod's per test: selector Sidecars of its namespace first (the
 * oldest that matches), then its namespace's default, then the mesh default of the root namespace (whose
 * {@code .} is the workload's namespace), else none; oldest by creation time (none counts as oldest), then name.
 */
class SidecarSelectionFollowsIstiosPrecedenceTest {
  private static final Map<String, String> WEB = Map.of("app", "web", "version", "v1");

  /** The name of the Sidecar a workload of {@code ns} with {@code labels} gets, or "" for none. */
  private static String chosen(Sidecars s, String ns, Map<String, String> labels) {
    String id = s.forWorkload(ns, labels).id();
    return id.isEmpty() ? "" : id.substring(0, id.indexOf('#'));
  }

  @Test
  void withoutSidecarsEveryWorkloadSeesEverything() {
    assertThat(snapshot().forWorkload("ns1", WEB)).isSameAs(SidecarScope.ALL);
    assertThat(SidecarScope.ALL.ports(service("a.example.com", "ns9", 80, 81))).hasSize(2);
  }

  @Test
  void aSelectorSidecarWinsOverTheNamespaceDefaultWhichWinsOverTheMeshDefault() {
    Sidecars s = snapshot(sidecar(ROOT, "mesh", 0, null, "*/*"), sidecar("ns1", "default", 1, null, "./*"),
        sidecar("ns1", "web", 2, Map.of("app", "web"), "ns2/*"));
    assertThat(chosen(s, "ns1", WEB)).isEqualTo("ns1/web");
    assertThat(chosen(s, "ns1", Map.of("app", "db"))).isEqualTo("ns1/default");
    assertThat(chosen(s, "ns2", WEB)).isEqualTo(ROOT + "/mesh");
  }

  @Test
  void aSelectorMustMatchEveryLabelAndOnlyInItsOwnNamespace() {
    Sidecars s = snapshot(sidecar("ns1", "web-v2", 0, Map.of("app", "web", "version", "v2"), "./*"),
        sidecar("ns2", "web", 0, Map.of("app", "web"), "./*"));
    assertThat(chosen(s, "ns1", WEB)).isEmpty();
    assertThat(chosen(s, "ns1", Map.of("app", "web", "version", "v2", "extra", "x"))).isEqualTo("ns1/web-v2");
  }

  @Test
  void amongSeveralMatchesTheOldestWinsThenTheFirstByName() {
    Sidecars s = snapshot(sidecar("ns1", "b-newer", 5, Map.of("app", "web"), "./*"),
        sidecar("ns1", "z-older", 1, Map.of("version", "v1"), "./*"));
    assertThat(chosen(s, "ns1", WEB)).isEqualTo("ns1/z-older");
    Sidecars tie = snapshot(sidecar("ns1", "b", 1, Map.of("app", "web"), "./*"),
        sidecar("ns1", "a", 1, Map.of("version", "v1"), "./*"));
    assertThat(chosen(tie, "ns1", WEB)).isEqualTo("ns1/a");
    Sidecars unknownAge = snapshot(sidecar("ns1", "a", 1, Map.of("app", "web"), "./*"),
        sidecar("ns1", "b", -1, Map.of("version", "v1"), "./*"));
    assertThat(chosen(unknownAge, "ns1", WEB)).isEqualTo("ns1/b");
  }

  @Test
  void aNamespaceWithTwoDefaultsUsesTheOldestAndListsTheOtherAsIgnored() {
    Sidecars s = snapshot(sidecar("ns1", "new", 9, null, "*/*"), sidecar("ns1", "old", 1, null, "./*"));
    assertThat(chosen(s, "ns1", WEB)).isEqualTo("ns1/old");
    assertThat(s.ignored()).singleElement().asString().startsWith("ns1/new: namespace ns1 already has an older"
        + " Sidecar without workloadSelector (old)");
  }

  @Test
  void theMeshDefaultsDotIsTheWorkloadsNamespace() {
    Sidecars s = snapshot(sidecar(ROOT, "default", 0, null, "./*", "istio-system/*"));
    SidecarScope ns1 = s.forWorkload("ns1", WEB);
    assertThat(ns1.imports(service("a.ns1.svc.cluster.local", "ns1", 80))).isTrue();
    assertThat(ns1.imports(service("a.ns2.svc.cluster.local", "ns2", 80))).isFalse();
    assertThat(ns1.imports(service("istiod.istio-system.svc.cluster.local", ROOT, 15012))).isTrue();
    SidecarScope ns2 = s.forWorkload("ns2", WEB);
    assertThat(ns2.imports(service("a.ns2.svc.cluster.local", "ns2", 80))).isTrue();
    assertThat(ns1).isNotEqualTo(ns2);
    assertThat(ns1.id()).isNotEqualTo(ns2.id());
  }

  @Test
  void aSelectorSidecarInTheRootNamespaceIsNotTheMeshDefault() {
    Sidecars s = snapshot(sidecar(ROOT, "gw", 0, Map.of("app", "web"), "./*"));
    assertThat(chosen(s, "ns1", WEB)).isEmpty();
    assertThat(chosen(s, ROOT, WEB)).isEqualTo(ROOT + "/gw");
  }

  @Test
  void anEmptySelectorSelectsEveryWorkloadOfItsNamespaceAheadOfTheDefault() {
    Sidecars s = snapshot(sidecar("ns1", "default", 0, null, "./*"), sidecar("ns1", "all", 5, Map.of(), "*/*"));
    assertThat(chosen(s, "ns1", Map.of())).isEqualTo("ns1/all");
  }

  @Test
  void theOutboundPolicyComesWithTheScope() {
    Sidecars s = snapshot(sidecar("ns1", "strict", 0, Map.of("app", "web"), List.of(Scopes.listener(0, "./*")),
        SidecarSpec.OutboundMode.REGISTRY_ONLY), sidecar("ns1", "default", 0, null, "./*"));
    assertThat(s.forWorkload("ns1", WEB).outboundMode()).isEqualTo(SidecarSpec.OutboundMode.REGISTRY_ONLY);
    assertThat(s.forWorkload("ns1", Map.of()).outboundMode()).isNull();
  }

  @Test
  void aChangeAffectsExactlyTheWorkloadsWhoseScopeItChanges() {
    SidecarIndex index = new SidecarIndex(ROOT);
    Resource web = sidecar("ns1", "web", 0, Map.of("app", "web"), "./*");
    SidecarChange added = index.upsert(web);
    assertThat(added.affects("ns1", WEB)).isTrue();
    assertThat(added.affects("ns1", Map.of("app", "db"))).isFalse();
    assertThat(added.affects("ns2", WEB)).isFalse();
    assertThat(index.upsert(web.withMetadata(web.metadata().withLabels(Map.of("team", "x")))).isEmpty()).isTrue();
    SidecarChange edited = index.upsert(sidecar("ns1", "web", 0, Map.of("app", "web"), "./*", "ns2/*"));
    assertThat(edited.affects("ns1", WEB)).isTrue();
    assertThat(edited.affects("ns1", Map.of())).isFalse();
    SidecarChange meshDefault = index.upsert(sidecar(ROOT, "default", 0, null, "./*"));
    assertThat(meshDefault.affects("ns1", WEB)).isFalse();
    assertThat(meshDefault.affects("ns1", Map.of())).isTrue();
    assertThat(meshDefault.affects("ns7", Map.of())).isTrue();
    assertThat(added.then(edited).then(meshDefault).affects("ns1", WEB)).isTrue();
    SidecarChange deleted = index.delete(web.key());
    assertThat(deleted.affects("ns1", WEB)).isTrue();
    assertThat(index.delete(web.key()).isEmpty()).isTrue();
  }
}
