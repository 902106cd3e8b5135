package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.objects;
import static dev.vmesh.registry.Yaml.registry;
import static dev.vmesh.registry.Yaml.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Several WorkloadEntries with one address and port, or one WorkloadEntry selected by several
 * ServiceEntries of one host, give the service one endpoint that receives traffic: the first healthy
 * one by WorkloadEntry {@code namespace/name}, whose labels, locality, weight and identity it carries.
 */
class OneEndpointPerAddressAndPortTest {
  static final String SERVICE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: svc, namespace: ns}
      spec:
        hosts: [svc.example.com]
        ports: [{number: 80, name: grpc, protocol: GRPC}]
        resolution: STATIC
        workloadSelector: {labels: {app: svc}}
      """;

  static String we(String name, String address, int port, String extra) {
    return """
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: ns}
        spec:
          address: %s
          ports: {grpc: %d}
          labels: {app: svc, copy: %s}
        %s
        """.formatted(name, address, port, name, extra.indent(2));
  }

  @Test
  void twoEntriesForOneAddressServeOnceAndTheFirstByNameDecides() {
    Registry reg = registry(SERVICE + we("vm-b", "10.0.0.1", 9000, "weight: 7\nlocality: r2/z2\nserviceAccount: b")
        + we("vm-a", "10.0.0.1", 9000, "weight: 3\nlocality: r1/z1\nserviceAccount: a")
        + we("vm-c", "10.0.0.1", 9001, ""));
    Service s = service(reg, "svc.example.com", "ns");
    assertThat(s.endpoints()).extracting(Endpoint::workloadEntry).containsExactly("ns/vm-a", "ns/vm-b", "ns/vm-c");
    assertThat(s.healthyEndpoints()).extracting(Endpoint::workloadEntry, Endpoint::port, Endpoint::weight,
        Endpoint::locality, Endpoint::serviceAccount).containsExactly(
        Tuple.tuple("ns/vm-a", 9000, 3L, "r1/z1", "spiffe://cluster.local/ns/ns/sa/a"),
        Tuple.tuple("ns/vm-c", 9001, 1L, "", ""));
    assertThat(s.healthyEndpoints().get(0).labels()).containsEntry("copy", "vm-a");

    // the one that served goes away: the other takes its place
    reg.delete(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns", "vm-a"));
    assertThat(service(reg, "svc.example.com", "ns").healthyEndpoints()).extracting(Endpoint::workloadEntry)
        .containsExactly("ns/vm-b", "ns/vm-c");
  }

  @Test
  void anUnhealthyCopyDoesNotHideAHealthyOne() {
    Registry reg = registry(SERVICE + we("vm-a", "10.0.0.1", 9000, "")
        .replace("metadata: {name: vm-a, namespace: ns}",
            "metadata: {name: vm-a, namespace: ns, annotations: {proxy.istio.io/health-checks-enabled: 'true'}}")
        + we("vm-b", "10.0.0.1", 9000, ""));
    assertThat(service(reg, "svc.example.com", "ns").healthyEndpoints()).extracting(Endpoint::workloadEntry)
        .containsExactly("ns/vm-b");
  }

  @Test
  void oneEntrySelectedByTwoServiceEntriesOfOneHostIsOneEndpoint() {
    Registry reg = registry(SERVICE + "---\n" + SERVICE.replace("name: svc,", "name: svc-again,")
        + we("vm-a", "10.0.0.1", 9000, ""));
    Service s = service(reg, "svc.example.com", "ns");
    assertThat(s.serviceEntries()).containsExactly("svc", "svc-again");
    assertThat(s.endpoints()).hasSize(1);
    assertThat(s.healthyEndpoints()).hasSize(1);

    // and after an update of the entry, still one
    Resource vm = objects(SERVICE + we("vm-a", "10.0.0.1", 9000, "")).get(1);
    reg.upsert(vm.withSpec(objects(SERVICE + we("vm-a", "10.0.0.1", 9000, "weight: 2")).get(1).spec()));
    assertThat(service(reg, "svc.example.com", "ns").endpoints()).singleElement()
        .extracting(Endpoint::weight).isEqualTo(2L);
  }
}
