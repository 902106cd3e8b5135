package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.objects;
import static dev.vmesh.registry.Yaml.registry;
import static dev.vmesh.registry.Yaml.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import java.util.List;
import java.util.Map;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

class NameTableAndHealthTest {

  private static final String HEADLESS = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: foo, namespace: ns}
      spec:
        hosts: [foo.bar.com]
        ports: [{number: 80, name: http}]
        resolution: NONE
        workloadSelector: {labels: {app: foo}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: a, namespace: ns}
      spec: {address: 10.0.0.1, labels: {app: foo}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata:
        name: b
        namespace: ns
        annotations: {proxy.istio.io/health-checks-enabled: "true"}
      spec: {address: 10.0.0.2, labels: {app: foo}}
      """;

  @Test
  void headlessServicesAreListedByTheirHealthyEndpointIps() {
    var reg = registry(HEADLESS);
    var info = reg.nameTable().table().get("foo.bar.com");
    assertThat(info.ips()).containsExactly("10.0.0.1"); // b has health checks and no Healthy condition yet
    assertThat(info.registry()).isEqualTo("External");
    assertThat(info.namespace()).isEqualTo("ns");
    assertThat(info.shortname()).isEmpty();
  }

  @Test
  void healthCheckedEntriesGetTrafficOnlyWhileHealthy() {
    Registry reg = registry(HEADLESS);
    Service s = service(reg, "foo.bar.com", "ns");
    assertThat(s.endpoints()).extracting(Endpoint::address, Endpoint::healthy)
        .containsExactly(Tuple.tuple("10.0.0.1", true),
            Tuple.tuple("10.0.0.2", false));
    assertThat(s.healthyEndpoints()).extracting(Endpoint::address).containsExactly("10.0.0.1");

    Resource b = objects(HEADLESS).get(2);
    var healthy = b.withStatus(ResourceStatus.EMPTY.withConditions(
        List.of(new Condition("Healthy", "True", null, null, "", "", 0))));
    var changes = reg.upsert(healthy);
    assertThat(changes.services()).containsExactly(new ServiceKey("foo.bar.com", "ns"));
    assertThat(changes.nameTable()).isTrue();
    assertThat(service(reg, "foo.bar.com", "ns").healthyEndpoints()).extracting(Endpoint::address)
        .containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(reg.nameTable().table().get("foo.bar.com").ips()).containsExactly("10.0.0.1", "10.0.0.2");

    reg.upsert(b.withStatus(ResourceStatus.EMPTY.withConditions(
        List.of(new Condition("Healthy", "False", null, null, "", "probe failed", 0)))));
    assertThat(service(reg, "foo.bar.com", "ns").healthyEndpoints()).extracting(Endpoint::address)
        .containsExactly("10.0.0.1");

    // the annotation with a value that is not "true" means "always included"
    reg.upsert(b.withMetadata(b.metadata().withAnnotations(Map.of(
        "proxy.istio.io/health-checks-enabled", "false"))));
    assertThat(service(reg, "foo.bar.com", "ns").healthyEndpoints()).hasSize(2);
  }

  @Test
  void cidrsAreDroppedAndAddresslessNonHeadlessServicesAreLeftOut() {
    var reg = new Registry(new RegistryOptions("cluster.local", false, "240.240.0.0/16", "2001:2::/48"));
    reg.load(objects("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: cidr, namespace: ns}
        spec: {hosts: [cidr.example.com], addresses: [172.217.0.0/16], ports: [{number: 443, name: tls, protocol: TLS}]}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: dns, namespace: ns}
        spec: {hosts: [dns.example.com], ports: [{number: 80, name: http}], resolution: DNS}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: wild, namespace: ns}
        spec: {hosts: ['*.wild.example.com'], addresses: [10.10.10.10], ports: [{number: 80, name: http}]}
        """));
    assertThat(reg.nameTable().table()).containsOnlyKeys("*.wild.example.com");
  }

  @Test
  void endpointChangesOnAServiceWithAnAddressLeaveTheNameTableAlone() {
    Registry reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s, namespace: ns}
        spec:
          hosts: [s.example.com]
          ports: [{number: 80, name: http}]
          resolution: STATIC
          workloadSelector: {labels: {app: s}}
        """);
    var changes = reg.upsert(objects("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: a, namespace: ns}
        spec: {address: 10.0.0.1, labels: {app: s}}
        """).get(0));
    assertThat(changes.services()).containsExactly(new ServiceKey("s.example.com", "ns"));
    assertThat(changes.nameTable()).isFalse();
  }
}
