package dev.vmesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.Resource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Objects of kinds that do not describe services (PeerAuthentication, WorkloadGroup) go through the
 * registry's load, upsert and delete without error and without changing services, names or status work;
 * PeerAuthentications change the registry's policy snapshot, and the update says so.
 */
class KindsOutsideTheServiceModelChangeNothingTest {

  @Test
  void peerAuthenticationsAreLoadedUpsertedAndDeletedWithoutEffect() {
    List<Resource> mesh = Yaml.objects("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: web, namespace: ns1}
        spec:
          hosts: [web.example.com]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.1}]
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        """);
    Registry reg = new Registry(RegistryOptions.DEFAULTS);
    reg.load(mesh);
    List<Service> before = reg.services();
    var nameTable = reg.nameTable();

    assertThat(reg.peerAuthentications().effectiveMode("ns1", Map.of(), 80)).isEqualTo(MtlsMode.STRICT);

    Resource pa = mesh.get(1);
    assertThat(reg.upsert(pa)).as("the same policy again").isEqualTo(Registry.Changes.NONE);
    Registry.Changes deleted = reg.delete(pa.key());
    assertThat(deleted.services()).isEmpty();
    assertThat(deleted.nameTable()).isFalse();
    assertThat(deleted.peerAuthentication().affects("ns1", Map.of())).isTrue();
    assertThat(reg.peerAuthentications().effectiveMode("ns1", Map.of(), 80))
        .isEqualTo(MtlsMode.PERMISSIVE);
    Registry.Changes added = reg.upsert(pa);
    assertThat(added.services()).isEmpty();
    assertThat(added.peerAuthentication().meshWide()).isTrue();
    assertThat(reg.services()).isEqualTo(before);
    assertThat(reg.nameTable()).isEqualTo(nameTable);
    assertThat(reg.pendingStatusUpdates()).doesNotContainKey(pa.key());
  }

  @Test
  void theMeshWidePolicyIsTheOneInTheConfiguredRootNamespace() {
    Registry reg = new Registry(RegistryOptions.DEFAULTS.withRootNamespace("mesh-root"));
    reg.load(Yaml.objects("""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: mesh-root}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1beta1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: DISABLE}}
        """));
    assertThat(reg.peerAuthentications().effectiveMode("ns1", Map.of(), 80)).isEqualTo(MtlsMode.STRICT);
    assertThat(reg.peerAuthentications().effectiveMode("istio-system", Map.of(), 80))
        .isEqualTo(MtlsMode.DISABLE);
  }
}
