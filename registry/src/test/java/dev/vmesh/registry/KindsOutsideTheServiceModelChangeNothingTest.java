package dev.vmesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Objects of kinds that do not describe services (PeerAuthentication, WorkloadGroup) go through the
 * registry's load, upsert and delete without error and without changing services, names or status work.
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

    Resource pa = mesh.get(1);
    assertThat(reg.upsert(pa).isEmpty()).isTrue();
    assertThat(reg.delete(pa.key()).isEmpty()).isTrue();
    assertThat(reg.services()).isEqualTo(before);
    assertThat(reg.nameTable()).isEqualTo(nameTable);
    assertThat(reg.pendingStatusUpdates()).doesNotContainKey(pa.key());
  }
}
