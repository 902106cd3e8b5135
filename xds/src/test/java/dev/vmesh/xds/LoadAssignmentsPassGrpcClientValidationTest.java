package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import dev.vmesh.api.Addresses;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Load assignments as gRPC C-core and grpc-js check them (either rejects the whole resource otherwise):
 * in EDS every address once per cluster, socket addresses with an IP only (no unix sockets: those go to
 * Envoy alone), one group per locality, endpoint and locality weights at least 1 and their sum within a
 * uint32; a LOGICAL_DNS cluster exactly one endpoint.
 */
class LoadAssignmentsPassGrpcClientValidationTest {
  static final Proxy GRPC = new Proxy("sidecar~10.9.0.1~app.ns1~ns1.svc.cluster.local", "sidecar",
      List.of("10.9.0.1"), "ns1", Map.of(), "", "", true, "", "", "", Struct.getDefaultInstance(),
      "");
  static final Proxy ENVOY = new Proxy("sidecar~10.9.0.2~web.ns1~ns1.svc.cluster.local", "sidecar",
      List.of("10.9.0.2"), "ns1", Map.of(), "", "", false, "", "", "", Struct.getDefaultInstance(),
      "");

  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: svc, namespace: ns1}
      spec:
        hosts: [svc.internal.com]
        ports: [{number: 80, name: grpc, protocol: GRPC}]
        resolution: STATIC
        workloadSelector: {labels: {app: svc}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: svc-again, namespace: ns1}
      spec:
        hosts: [svc.internal.com]
        ports: [{number: 80, name: grpc, protocol: GRPC}]
        resolution: STATIC
        workloadSelector: {labels: {app: svc}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm1, namespace: ns1}
      spec: {address: 10.0.0.1, ports: {grpc: 9000}, labels: {app: svc}, locality: r1/z1, weight: 4294967295}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm1-copy, namespace: ns1}
      spec: {address: 10.0.0.1, ports: {grpc: 9000}, labels: {app: svc}, locality: r2/z2}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm2, namespace: ns1}
      spec: {address: 10.0.0.2, ports: {grpc: 9000}, labels: {app: svc}, locality: r1/z1, weight: 4294967295}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm3, namespace: ns1}
      spec: {address: 10.0.0.3, ports: {grpc: 9000}, labels: {app: svc}, locality: r2/z2, weight: 4294967295}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: local, namespace: ns1}
      spec:
        hosts: [local.internal.com]
        ports: [{number: 80, name: grpc, protocol: GRPC}]
        resolution: STATIC
        endpoints: [{address: "unix:///run/app.sock"}, {address: 10.0.0.4}]
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: later, namespace: ns1}
      spec:
        hosts: [later.internal.com]
        ports: [{number: 80, name: grpc, protocol: GRPC}]
        resolution: DNS_ROUND_ROBIN
        workloadSelector: {labels: {app: not-yet}}
      """;

  private static ClusterLoadAssignment eds(Harness h, Proxy p, String cluster) throws Exception {
    return new EndpointType().generate(p, cluster, new MeshView(() -> h.registry)).resource()
        .unpack(ClusterLoadAssignment.class);
  }

  /** The checks C-core's and grpc-js's EDS parsers make, as far as vmesh's resources can break them. */
  private static void assertAcceptedByGrpc(ClusterLoadAssignment cla) {
    Set<String> addresses = new HashSet<>();
    Set<String> localities = new HashSet<>();
    long total = 0;
    for (LocalityLbEndpoints l : cla.getEndpointsList()) {
      assertThat(l.hasLocality()).as("locality set").isTrue();
      assertThat(localities.add(l.getLocality().toString() + "@" + l.getPriority())).as("locality once").isTrue();
      assertThat(l.getPriority()).isZero();
      assertThat(l.getLoadBalancingWeight().getValue()).as("locality weight").isNotZero();
      total += Integer.toUnsignedLong(l.getLoadBalancingWeight().getValue());
      long endpoints = 0;
      for (LbEndpoint e : l.getLbEndpointsList()) {
        assertThat(e.getEndpoint().getAddress().hasSocketAddress()).as("socket address").isTrue();
        var sa = e.getEndpoint().getAddress().getSocketAddress();
        assertThat(Addresses.isIp(sa.getAddress())).as(sa.getAddress()).isTrue();
        assertThat(addresses.add(sa.getAddress() + ":" + sa.getPortValue())).as("address once").isTrue();
        assertThat(e.getLoadBalancingWeight().getValue()).as("endpoint weight").isNotZero();
        endpoints += Integer.toUnsignedLong(e.getLoadBalancingWeight().getValue());
      }
      assertThat(endpoints).as("endpoint weights within a uint32").isLessThanOrEqualTo(0xFFFF_FFFFL);
    }
    assertThat(total).as("locality weights within a uint32").isLessThanOrEqualTo(0xFFFF_FFFFL);
  }

  private static List<String> addresses(ClusterLoadAssignment cla) {
    List<String> out = new ArrayList<>();
    cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e -> {
      var a = e.getEndpoint().getAddress();
      out.add(a.hasPipe() ? a.getPipe().getPath() : a.getSocketAddress().getAddress() + ":"
          + a.getSocketAddress().getPortValue());
    }));
    return out;
  }

  @Test
  void duplicatesAreMergedAndHugeWeightsScaledIntoAUint32() throws Exception {
    try (Harness h = new Harness(MESH)) {
      ClusterLoadAssignment cla = eds(h, GRPC, "outbound|80||svc.internal.com");
      assertAcceptedByGrpc(cla);
      assertThat(addresses(cla)).containsExactlyInAnyOrder("10.0.0.1:9000", "10.0.0.2:9000", "10.0.0.3:9000");
      // vm1 (first by name) decides for 10.0.0.1: locality r1/z1, with vm2
      assertThat(cla.getEndpointsList()).extracting(l -> l.getLocality().getRegion(), l -> l.getLbEndpointsCount())
          .containsExactly(Tuple.tuple("r1", 2), Tuple.tuple("r2", 1));
      // three equal weights stay equal after scaling
      assertThat(cla.getEndpointsList()).flatExtracting(LocalityLbEndpoints::getLbEndpointsList)
          .extracting(e -> e.getLoadBalancingWeight().getValue()).containsOnly(
              cla.getEndpoints(1).getLbEndpoints(0).getLoadBalancingWeight().getValue());
      assertThat(eds(h, ENVOY, "outbound|80||svc.internal.com")).isEqualTo(cla);
    }
  }

  @Test
  void aDnsClusterWithoutEndpointsIsLeftOutForGrpcAndStrictDnsForEnvoy() throws Exception {
    try (Harness h = new Harness(MESH)) {
      MeshView mesh = new MeshView(() -> h.registry);
      String name = "outbound|80||later.internal.com";
      // LOGICAL_DNS needs exactly one endpoint in C-core, grpc-js and Envoy alike
      assertThat(new GrpcClusterType().generate(GRPC, name, mesh)).isNull();
      Cluster envoy = new SidecarClusterType().generate(ENVOY, name, mesh).resource().unpack(Cluster.class);
      assertThat(envoy.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
      assertThat(envoy.getLoadAssignment().getEndpointsCount()).isZero();

      h.upsert("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: vm9, namespace: ns1}
          spec: {address: 10.0.0.9, labels: {app: not-yet}}
          """);
      Cluster grpc = new GrpcClusterType().generate(GRPC, name, mesh).resource().unpack(Cluster.class);
      assertThat(grpc.getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
      assertThat(addresses(grpc.getLoadAssignment())).containsExactly("10.0.0.9:80");
      assertThat(new SidecarClusterType().generate(ENVOY, name, mesh).resource().unpack(Cluster.class).getType())
          .isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    }
  }

  @Test
  void unixSocketEndpointsGoToEnvoyButNeverToGrpcClients() throws Exception {
    try (Harness h = new Harness(MESH)) {
      ClusterLoadAssignment forGrpc = eds(h, GRPC, "outbound|80||local.internal.com");
      assertAcceptedByGrpc(forGrpc);
      assertThat(addresses(forGrpc)).containsExactly("10.0.0.4:80");
      assertThat(addresses(eds(h, ENVOY, "outbound|80||local.internal.com")))
          .containsExactlyInAnyOrder("/run/app.sock", "10.0.0.4:80");
    }
  }
}
