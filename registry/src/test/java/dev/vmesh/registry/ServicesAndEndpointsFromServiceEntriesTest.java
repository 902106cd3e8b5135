package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.endpoints;
import static dev.vmesh.registry.Yaml.registry;
import static dev.vmesh.registry.Yaml.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resolution;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServicesAndEndpointsFromServiceEntriesTest {

  @Test
  void selectorPicksWorkloadEntriesInTheSameNamespaceOnly() {
    var reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: svc1, namespace: ns1}
        spec:
          hosts: [svc1.internal.com]
          location: MESH_INTERNAL
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          workloadSelector: {labels: {app: foo}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: ns1}
        spec: {address: 1.1.1.1, labels: {app: foo}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm2, namespace: ns2}
        spec: {address: 2.2.2.2, labels: {app: foo}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm3, namespace: ns1}
        spec: {address: 3.3.3.3, labels: {app: bar}}
        """);
    Service s = service(reg, "svc1.internal.com", "ns1");
    assertThat(endpoints(s)).containsExactly("1.1.1.1:80->80");
    Endpoint e = s.endpoints().get(0);
    assertThat(e.workloadEntry()).isEqualTo("ns1/vm1");
    assertThat(e.labels()).containsEntry("app", "foo");
    assertThat(e.tlsMode()).isEqualTo("disabled");
    assertThat(e.weight()).isEqualTo(1);
    assertThat(e.healthy()).isTrue();
    assertThat(s.clusters()).containsExactly("outbound|80||svc1.internal.com");
    assertThat(s.resolution()).isEqualTo(Resolution.STATIC);
  }

  @Test
  void endpointPortComesFromWorkloadPortsThenTargetPortThenNumber() {
    var reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s, namespace: ns}
        spec:
          hosts: [s.example.com]
          ports:
          - {number: 80, name: http, targetPort: 9090}
          - {number: 81, name: admin}
          - {number: 82, name: grpc, targetPort: 9092}
          resolution: STATIC
          workloadSelector: {labels: {app: s}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm, namespace: ns}
        spec: {address: 10.0.0.1, labels: {app: s}, ports: {grpc: 7000}}
        """);
    assertThat(endpoints(service(reg, "s.example.com", "ns")))
        .containsExactly("10.0.0.1:81->81", "10.0.0.1:7000->82", "10.0.0.1:9090->80");
  }

  @Test
  void inlineEndpointsDnsHostsAndUnixSockets() {
    var reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: inline, namespace: ns}
        spec:
          hosts: [inline.example.com]
          ports: [{number: 80, name: http}]
          resolution: STATIC
          endpoints:
          - {address: 10.0.0.2, serviceAccount: sa1, labels: {security.istio.io/tlsMode: disabled}}
          - {address: 10.0.0.1, ports: {http: 8080}, serviceAccount: sa2}
          - {address: 'unix:///var/run/app.sock'}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: ext, namespace: ns}
        spec:
          hosts: [api.example.org]
          ports: [{number: 443, name: https, protocol: TLS, targetPort: 8443}]
          resolution: DNS
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: rr, namespace: ns}
        spec:
          hosts: [rr.example.org]
          ports: [{number: 80, name: http}]
          resolution: DNS_ROUND_ROBIN
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: none, namespace: ns}
        spec:
          hosts: [none.example.org]
          ports: [{number: 80, name: http}]
        """);
    Service inline = service(reg, "inline.example.com", "ns");
    assertThat(endpoints(inline)).containsExactly("/var/run/app.sock:0->80", "10.0.0.1:8080->80", "10.0.0.2:80->80");
    assertThat(inline.endpoints()).extracting(Endpoint::tlsMode).containsExactly("disabled", "istio", "disabled");
    assertThat(inline.endpoints().get(1).serviceAccount()).isEqualTo("spiffe://cluster.local/ns/ns/sa/sa2");
    assertThat(inline.endpoints().get(1).workloadEntry()).isEmpty();

    Service ext = service(reg, "api.example.org", "ns");
    assertThat(endpoints(ext)).containsExactly("api.example.org:8443->443");
    assertThat(ext.endpoints().get(0).tlsMode()).isEqualTo("disabled");
    assertThat(endpoints(service(reg, "rr.example.org", "ns"))).containsExactly("rr.example.org:80->80");
    assertThat(service(reg, "none.example.org", "ns").endpoints()).isEmpty();
  }

  @Test
  void hostnameAndUnixWorkloadsAreSelectedOnlyByDnsServices() {
    String workloads = """
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: byname, namespace: ns}
        spec: {address: vm.example.com, labels: {app: a}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: byip, namespace: ns}
        spec: {address: 10.0.0.1, labels: {app: a}}
        """;
    String se = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s, namespace: ns}
        spec:
          hosts: [s.example.com]
          ports: [{number: 80, name: http}]
          resolution: %s
          workloadSelector: {labels: {app: a}}
        """;
    assertThat(endpoints(service(registry(se.formatted("STATIC") + workloads), "s.example.com", "ns")))
        .containsExactly("10.0.0.1:80->80");
    assertThat(endpoints(service(registry(se.formatted("DNS") + workloads), "s.example.com", "ns")))
        .containsExactly("10.0.0.1:80->80", "vm.example.com:80->80");
  }

  @Test
  void workloadLabelsMergeMetadataOverSpecAndLocalityComesFromLabels() {
    var reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s, namespace: ns}
        spec:
          hosts: [s.example.com]
          ports: [{number: 80, name: http}]
          resolution: STATIC
          workloadSelector: {labels: {app: a, version: v2}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: vm
          namespace: ns
          labels: {version: v2, istio-locality: us-east.zone1.sub}
        spec:
          address: 10.0.0.1
          labels: {app: a, version: v1}
          network: nw1
          serviceAccount: vm-sa
          weight: 5
        """);
    Endpoint e = service(reg, "s.example.com", "ns").endpoints().get(0);
    assertThat(e.locality()).isEqualTo("us-east/zone1/sub");
    assertThat(e.labels()).containsEntry("version", "v2").containsEntry("topology.kubernetes.io/region", "us-east")
        .containsEntry("topology.kubernetes.io/zone", "zone1").containsEntry("topology.istio.io/subzone", "sub")
        .containsEntry("topology.istio.io/network", "nw1");
    assertThat(e.network()).isEqualTo("nw1");
    assertThat(e.weight()).isEqualTo(5);
    assertThat(e.tlsMode()).isEqualTo("istio");
    assertThat(e.serviceAccount()).isEqualTo("spiffe://cluster.local/ns/ns/sa/vm-sa");
  }

  @Test
  void entriesForOneHostInOneNamespaceMergeAndTheOldestDecides() {
    var reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: first, namespace: ns}
        spec:
          hosts: [shared.example.com]
          addresses: [10.1.0.1]
          ports: [{number: 80, name: http}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.1}]
          exportTo: ['.']
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: second, namespace: ns}
        spec:
          hosts: [shared.example.com]
          addresses: [10.1.0.2/32]
          ports: [{number: 80, name: http}, {number: 443, name: https, protocol: TLS}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.2}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: other-ns, namespace: ns2}
        spec:
          hosts: [shared.example.com]
          addresses: [10.1.0.3]
          ports: [{number: 80, name: http}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.3}]
        """);
    Service s = service(reg, "shared.example.com", "ns");
    assertThat(s.serviceEntries()).containsExactly("first", "second");
    assertThat(s.addresses()).containsExactly("10.1.0.1", "10.1.0.2");
    assertThat(s.ports()).extracting(p -> p.number()).containsExactly(80, 443);
    assertThat(endpoints(s)).containsExactly("10.0.0.1:80->80", "10.0.0.2:80->80", "10.0.0.2:443->443");
    assertThat(s.isVisibleTo("ns")).isTrue();
    assertThat(s.isVisibleTo("ns2")).isFalse();
    assertThat(reg.services()).extracting(Service::namespace).containsExactly("ns", "ns2");
    assertThat(reg.nameTable().table().get("shared.example.com").ips()).containsExactly("10.1.0.1", "10.1.0.2",
        "10.1.0.3");
  }

  @Test
  void dnsRoundRobinKeepsOnlyTheFirstEndpointPerPort() {
    var reg = registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: a, namespace: ns}
        spec:
          hosts: [rr.example.com]
          ports: [{number: 80, name: http}]
          resolution: DNS_ROUND_ROBIN
          endpoints: [{address: b.backend.example.com}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: b, namespace: ns}
        spec:
          hosts: [rr.example.com]
          ports: [{number: 80, name: http}]
          resolution: DNS_ROUND_ROBIN
          endpoints: [{address: a.backend.example.com}]
        """);
    assertThat(endpoints(service(reg, "rr.example.com", "ns"))).containsExactly("a.backend.example.com:80->80");
  }

  @Test
  void exportToVisibility() {
    Service base = service(registry("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: s, namespace: ns}
        spec: {hosts: [s.example.com], addresses: [10.1.0.1], ports: [{number: 80, name: http}]}
        """), "s.example.com", "ns");
    assertThat(base.isVisibleTo("anywhere")).isTrue();
    assertThat(withExport(base, "~").isVisibleTo("ns")).isFalse();
    assertThat(withExport(base, "*").isVisibleTo("x")).isTrue();
    assertThat(withExport(base, ".", "ns3").isVisibleTo("ns3")).isTrue();
    assertThat(withExport(base, ".", "ns3").isVisibleTo("ns4")).isFalse();
  }

  private static Service withExport(Service s, String... exportTo) {
    return new Service(s.hostname(), s.namespace(), s.addresses(), s.autoAllocated(), s.resolution(), s.location(),
        s.ports(), List.of(exportTo), s.subjectAltNames(), s.endpoints(), s.serviceEntries());
  }

  @Test
  void clusterNamesFollowIstio() {
    assertThat(ClusterKey.outbound("a.b", 80).name()).isEqualTo("outbound|80||a.b");
    assertThat(ClusterKey.inbound(9090).name()).isEqualTo("inbound|9090||");
    assertThat(new ClusterKey(ClusterKey.Direction.OUTBOUND, 80, "v1", "a.b").sni()).isEqualTo("outbound_.80_.v1_.a.b");
    assertThat(ClusterKey.ofName("outbound|80|v1|a.b"))
        .isEqualTo(new ClusterKey(ClusterKey.Direction.OUTBOUND, 80, "v1", "a.b"));
    assertThat(ClusterKey.ofName("outbound|80|a.b")).isNull();
  }
}
