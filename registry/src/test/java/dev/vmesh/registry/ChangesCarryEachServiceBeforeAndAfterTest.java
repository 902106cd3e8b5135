package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.objects;
import static dev.vmesh.registry.Yaml.registry;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * An update reports each service it changed with the service as it was and as it is now, so whoever
 * reads the changes never needs a copy of its own to tell what changed.
 */
class ChangesCarryEachServiceBeforeAndAfterTest {
  private static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: s, namespace: ns}
      spec:
        hosts: [s.example.com]
        ports: [{number: 80, name: http}]
        resolution: STATIC
        workloadSelector: {labels: {app: s}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: a, namespace: ns}
      spec: {address: 10.0.0.1, labels: {app: s}}
      """;
  private static final ServiceKey S = new ServiceKey("s.example.com", "ns");

  @Test
  void anEndpointMoveIsAnEndpointsOnlyChangeThatTouchesBothAddresses() {
    Registry reg = registry(MESH);
    Service before = reg.service(S).orElseThrow();
    var changes = reg.upsert(objects(MESH.replace("10.0.0.1", "10.0.0.2")).get(1));

    ServiceChange c = changes.changes().get(S);
    assertThat(c.previous()).isEqualTo(before);
    assertThat(c.next()).isEqualTo(reg.service(S).orElseThrow());
    assertThat(c.endpointsChanged()).isTrue();
    assertThat(c.shapeChanged()).isFalse();
    assertThat(c.touchedAddresses()).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
  }

  @Test
  void aWorkloadThatChangesInPlaceTouchesItsAddressButAWeightChangeDoesNot() {
    Registry reg = registry(MESH);
    String entry = "{address: 10.0.0.1, labels: {app: s}}";
    ServiceChange tls = reg.upsert(objects(MESH.replace(entry, "{address: 10.0.0.1, labels: {app: s, "
        + "security.istio.io/tlsMode: disabled}}")).get(1)).changes().get(S);
    assertThat(tls.endpointsChanged()).isTrue();
    assertThat(tls.touchedAddresses()).as("its inbound side (TLS mode, labels) changed").containsExactly("10.0.0.1");

    ServiceChange weight = reg.upsert(objects(MESH.replace(entry, "{address: 10.0.0.1, labels: {app: s, "
        + "security.istio.io/tlsMode: disabled}, weight: 5}")).get(1)).changes().get(S);
    assertThat(weight.endpointsChanged()).isTrue();
    assertThat(weight.touchedAddresses()).isEmpty();
  }

  @Test
  void aNewPortChangesTheShapeAndADeletionLeavesNoNextState() {
    Registry reg = registry(MESH);
    ServiceChange ports = reg.upsert(objects(MESH.replace("ports: [{number: 80, name: http}]",
        "ports: [{number: 80, name: http}, {number: 81, name: admin}]")).get(0)).changes().get(S);
    assertThat(ports.shapeChanged()).isTrue();
    assertThat(ports.endpointsChanged()).isTrue(); // the workload now serves port 81 too
    assertThat(ports.next().clusters()).containsExactly("outbound|80||s.example.com", "outbound|81||s.example.com");

    Service last = reg.service(S).orElseThrow();
    ServiceChange gone = reg.delete(objects(MESH).get(0).key()).changes().get(S);
    assertThat(gone.previous()).isEqualTo(last);
    assertThat(gone.next()).isNull();
    assertThat(gone.states()).containsExactly(last);
    assertThat(gone.touchedAddresses()).containsExactly("10.0.0.1");
  }

  @Test
  void changesThatFollowEachOtherFoldIntoOneFromTheFirstStateToTheLast() {
    Registry reg = registry(MESH);
    Service start = reg.service(S).orElseThrow();
    ServiceChange first = reg.upsert(objects(MESH.replace("10.0.0.1", "10.0.0.2")).get(1)).changes().get(S);
    ServiceChange back = reg.upsert(objects(MESH).get(1)).changes().get(S);

    ServiceChange folded = first.then(back);
    assertThat(folded.previous()).isEqualTo(start);
    assertThat(folded.next()).isEqualTo(start);
    assertThat(folded.endpointsChanged()).isFalse();
    assertThat(folded.touchedAddresses()).isEmpty();
  }
}
