package dev.vmesh.registry.security;

import static dev.vmesh.api.MtlsMode.DISABLE;
import static dev.vmesh.api.MtlsMode.PERMISSIVE;
import static dev.vmesh.api.MtlsMode.STRICT;
import static dev.vmesh.api.MtlsMode.UNSET;
import static dev.vmesh.registry.security.Policies.selecting;
import static dev.vmesh.registry.security.Policies.snapshot;
import static dev.vmesh.registry.security.Policies.wide;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.MtlsMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One rule of Istio's PeerAuthentication composition per test: levels (mesh, namespace, workload), UNSET inheriting,
 * the oldest policy of a level winning, port-level modes from the workload policy only, selector policies in the
 * root namespace ignored, and the namespace mode clients use.
 */
class PeerAuthenticationsComposeAsIstioDoesTest {
  private static final String ROOT = "istio-system";
  private static final Map<String, String> APP = Map.of("app", "web");
  private static final Map<String, String> APP_V1 = Map.of("app", "web", "version", "v1");

  private static MtlsMode mode(PeerAuthentications p, String ns, Map<String, String> labels) {
    return p.forWorkload(ns, labels).mode();
  }

  @Test
  void withoutPoliciesEveryWorkloadIsPermissive() {
    PeerAuthentications none = snapshot();
    assertThat(none.forWorkload("ns1", APP)).isEqualTo(WorkloadMtls.DEFAULT);
    assertThat(none.effectiveMode(ROOT, Map.of(), 8080)).isEqualTo(PERMISSIVE);
    assertThat(none.namespaceMode("ns1")).isEqualTo(PERMISSIVE);
  }

  @Test
  void aMeshPolicyAppliesInEveryNamespaceIncludingTheRoot() {
    PeerAuthentications p = snapshot(wide(ROOT, "default", 0, STRICT));
    assertThat(mode(p, "ns1", APP)).isEqualTo(STRICT);
    assertThat(mode(p, "ns2", Map.of())).isEqualTo(STRICT);
    assertThat(mode(p, ROOT, APP)).isEqualTo(STRICT);
  }

  @Test
  void anUnsetMeshPolicyIsPermissive() {
    assertThat(mode(snapshot(wide(ROOT, "default", 0, UNSET)), "ns1", APP)).isEqualTo(PERMISSIVE);
  }

  @Test
  void aNamespacePolicyOverridesTheMeshOnlyInItsNamespace() {
    PeerAuthentications p = snapshot(wide(ROOT, "default", 0, STRICT), wide("ns1", "default", 1, DISABLE));
    assertThat(mode(p, "ns1", APP)).isEqualTo(DISABLE);
    assertThat(mode(p, "ns2", APP)).isEqualTo(STRICT);
  }

  @Test
  void anUnsetNamespacePolicyInheritsTheMesh() {
    PeerAuthentications p = snapshot(wide(ROOT, "default", 0, STRICT), wide("ns1", "default", 1, UNSET));
    assertThat(mode(p, "ns1", APP)).isEqualTo(STRICT);
  }

  @Test
  void aWorkloadPolicyOverridesNamespaceAndMeshForTheWorkloadsItSelects() {
    PeerAuthentications p = snapshot(wide(ROOT, "default", 0, STRICT), wide("ns1", "default", 1, DISABLE),
        selecting("ns1", "web", 2, APP, PERMISSIVE, Map.of()));
    assertThat(mode(p, "ns1", APP_V1)).as("selector labels are a subset of the workload's").isEqualTo(PERMISSIVE);
    assertThat(mode(p, "ns1", Map.of("app", "db"))).isEqualTo(DISABLE);
    assertThat(mode(p, "ns2", APP)).as("only in its own namespace").isEqualTo(STRICT);
  }

  @Test
  void anUnsetWorkloadPolicyInheritsTheNamespaceAndThroughItTheMesh() {
    PeerAuthenticationPolicy workload = selecting("ns1", "web", 2, APP, UNSET, Map.of());
    assertThat(mode(snapshot(wide(ROOT, "m", 0, STRICT), wide("ns1", "n", 1, DISABLE), workload), "ns1", APP))
        .isEqualTo(DISABLE);
    assertThat(mode(snapshot(wide(ROOT, "m", 0, STRICT), wide("ns1", "n", 1, UNSET), workload), "ns1", APP))
        .isEqualTo(STRICT);
    assertThat(mode(snapshot(wide(ROOT, "m", 0, STRICT), workload), "ns1", APP)).isEqualTo(STRICT);
    assertThat(mode(snapshot(workload), "ns1", APP)).isEqualTo(PERMISSIVE);
  }

  @Test
  void theOldestPolicyOfEachLevelWinsWhateverItsMode() {
    PeerAuthentications p = snapshot(
        wide(ROOT, "newer-mesh", 5, STRICT), wide(ROOT, "older-mesh", 1, DISABLE),
        wide("ns1", "newer", 9, DISABLE), wide("ns1", "older", 3, UNSET),
        selecting("ns1", "newer-web", 8, APP_V1, DISABLE, Map.of()), selecting("ns1", "older-web", 4, APP, STRICT,
            Map.of()));
    assertThat(mode(p, "ns2", APP)).as("mesh: older-mesh").isEqualTo(DISABLE);
    assertThat(mode(p, "ns1", Map.of())).as("namespace: older, UNSET, so the mesh's").isEqualTo(DISABLE);
    assertThat(mode(p, "ns1", APP_V1)).as("workload: older-web, though newer-web is more specific")
        .isEqualTo(STRICT);
  }

  @Test
  void policiesCreatedInTheSameSecondAreTakenInNameOrder() {
    PeerAuthentications p = snapshot(wide("ns1", "b", 1, DISABLE), wide("ns1", "a", 1, STRICT),
        selecting("ns1", "z", 1, APP, DISABLE, Map.of()), selecting("ns1", "y", 1, APP, PERMISSIVE, Map.of()));
    assertThat(mode(p, "ns1", Map.of())).isEqualTo(STRICT);
    assertThat(mode(p, "ns1", APP)).isEqualTo(PERMISSIVE);
  }

  @Test
  void aPolicyWithoutCreationTimeCountsAsTheOldest() {
    PeerAuthenticationPolicy fromAFile = new PeerAuthenticationPolicy("ns1", "z-file", null, Map.of(), DISABLE,
        Map.of());
    assertThat(mode(snapshot(wide("ns1", "a", 0, STRICT), fromAFile), "ns1", APP)).isEqualTo(DISABLE);
  }

  @Test
  void selectorPoliciesInTheRootNamespaceApplyToNoWorkload() {
    PeerAuthentications p = snapshot(wide(ROOT, "mesh", 0, PERMISSIVE),
        selecting(ROOT, "web", 1, APP, STRICT, Map.of(8080, DISABLE)));
    assertThat(p.forWorkload("ns1", APP)).isEqualTo(WorkloadMtls.DEFAULT);
    assertThat(p.forWorkload(ROOT, APP)).as("not even to workloads of the root namespace")
        .isEqualTo(WorkloadMtls.DEFAULT);
    assertThat(p.unused()).containsExactly("PeerAuthentication istio-system/web is not used: a policy with a"
        + " selector in the root namespace istio-system applies to no workload (move it to the workload's"
        + " namespace, or drop the selector to make it mesh-wide)");
  }

  @Test
  void anEmptySelectorMakesANamespaceWidePolicy() {
    PeerAuthentications p = snapshot(selecting("ns1", "all", 0, Map.of(), STRICT, Map.of()));
    assertThat(mode(p, "ns1", APP)).isEqualTo(STRICT);
    assertThat(p.namespaceMode("ns1")).isEqualTo(STRICT);
  }

  @Test
  void aPortEntryOverridesTheWorkloadModeAtThatPortOnly() {
    PeerAuthentications p = snapshot(wide(ROOT, "mesh", 0, STRICT),
        selecting("ns1", "web", 1, APP, UNSET, Map.of(8080, DISABLE, 9090, PERMISSIVE)));
    assertThat(p.effectiveMode("ns1", APP, 8080)).isEqualTo(DISABLE);
    assertThat(p.effectiveMode("ns1", APP, 9090)).isEqualTo(PERMISSIVE);
    assertThat(p.effectiveMode("ns1", APP, 7070)).isEqualTo(STRICT);
    assertThat(p.forWorkload("ns1", APP))
        .isEqualTo(new WorkloadMtls(STRICT, Map.of(8080, DISABLE, 9090, PERMISSIVE)));
  }

  @Test
  void anUnsetPortTakesTheWorkloadsComposedMode() {
    PeerAuthentications p = snapshot(wide("ns1", "ns", 0, DISABLE),
        selecting("ns1", "web", 1, APP, UNSET, Map.of(8080, UNSET)));
    assertThat(p.forWorkload("ns1", APP)).isEqualTo(new WorkloadMtls(DISABLE, Map.of(8080, DISABLE)));
  }

  @Test
  void portEntriesCountOnlyOnTheWorkloadPolicyThatWon() {
    // A namespace-wide policy with ports is refused by validation; one that reached the store anyway (an older
    // vmesh, a CRD without the rule) has its ports ignored, as Istio ignores them.
    PeerAuthenticationPolicy namespaceWithPorts = new PeerAuthenticationPolicy("ns1", "ns", Policies.T0, Map.of(),
        STRICT, Map.of(8080, DISABLE));
    assertThat(snapshot(namespaceWithPorts).effectiveMode("ns1", APP, 8080)).isEqualTo(STRICT);

    PeerAuthentications p = snapshot(selecting("ns1", "old", 1, APP, STRICT, Map.of()),
        selecting("ns1", "new", 2, APP, STRICT, Map.of(8080, DISABLE)));
    assertThat(p.effectiveMode("ns1", APP, 8080)).as("the newer policy's port entry is not merged in")
        .isEqualTo(STRICT);
  }

  @Test
  void theRootNamespaceComesFromTheMeshSetting() {
    PeerAuthentications p = PeerAuthentications.of("mesh-root", List.of(wide("mesh-root", "m", 0, STRICT),
        wide(ROOT, "not-mesh", 0, DISABLE)));
    assertThat(mode(p, "ns1", APP)).isEqualTo(STRICT);
    assertThat(mode(p, ROOT, APP)).as("istio-system is an ordinary namespace now").isEqualTo(DISABLE);
  }

  @Test
  void theNamespaceModeForClientsIgnoresWorkloadPolicies() {
    PeerAuthentications p = snapshot(wide(ROOT, "m", 0, STRICT), wide("ns1", "n", 1, UNSET),
        wide("ns2", "n", 1, DISABLE), selecting("ns3", "web", 1, APP, DISABLE, Map.of()));
    assertThat(p.namespaceMode("ns1")).as("UNSET inherits the mesh").isEqualTo(STRICT);
    assertThat(p.namespaceMode("ns2")).isEqualTo(DISABLE);
    assertThat(p.namespaceMode("ns3")).as("workload policies do not count").isEqualTo(STRICT);
    assertThat(p.namespaceMode(ROOT)).isEqualTo(STRICT);
    assertThat(snapshot(wide("ns1", "n", 1, UNSET)).namespaceMode("ns1")).as("no mesh policy: PERMISSIVE")
        .isEqualTo(PERMISSIVE);
  }

  @Test
  void newerNamespaceWidePoliciesAreReportedAsUnused() {
    PeerAuthentications p = snapshot(wide("ns1", "first", 0, STRICT), wide("ns1", "second", 1, DISABLE),
        wide(ROOT, "mesh", 0, STRICT), wide(ROOT, "mesh2", 3, STRICT));
    assertThat(p.unused()).containsExactly(
        "PeerAuthentication ns1/second is not used: ns1 already has the older namespace-wide policy first (only"
            + " the oldest without a selector counts)",
        "PeerAuthentication istio-system/mesh2 is not used: istio-system already has the older mesh-wide policy"
            + " mesh (only the oldest without a selector counts)");
  }
}
