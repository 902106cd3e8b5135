package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A proxy whose workload a Sidecar selects gets, in every type (CDS, EDS, LDS, RDS, NDS), only the services its
 * egress hosts import, plus what every sidecar needs (its inbound side, the passthrough and blackhole clusters),
 * and the Sidecar's outbound traffic policy; a proxy of the same namespace the Sidecar does not select still gets
 * everything.
 */
class ASidecarScopesWhatTheProxyGetsTest {
  static final String CALLED = "called.svc-a.svc.cluster.local";
  static final String OTHER = "other.svc-b.svc.cluster.local";
  static final String DB = "db.svc-b.svc.cluster.local";

  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: called, namespace: svc-a}
      spec:
        hosts: [called.svc-a.svc.cluster.local]
        addresses: [10.96.1.1]
        ports: [{number: 8080, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: called}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: other, namespace: svc-b}
      spec:
        hosts: [other.svc-b.svc.cluster.local]
        addresses: [10.96.1.2]
        ports: [{number: 8080, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: other}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: db, namespace: svc-b}
      spec:
        hosts: [db.svc-b.svc.cluster.local]
        addresses: [10.96.1.3]
        ports: [{number: 5432, name: tcp, protocol: TCP}]
        resolution: STATIC
        workloadSelector: {labels: {app: db}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: called1, namespace: svc-a}
      spec: {address: 10.0.2.1, labels: {app: called}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: other1, namespace: svc-b}
      spec: {address: 10.0.2.2, labels: {app: other}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: db1, namespace: svc-b}
      spec: {address: 10.0.2.3, labels: {app: db}}
      """;

  static final String SIDECAR = """
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: client, namespace: client}
      spec:
        workloadSelector: {labels: {app: client}}
        egress:
        - hosts: [svc-a/called.svc-a.svc.cluster.local]
        outboundTrafficPolicy: {mode: REGISTRY_ONLY}
      """;

  /** The VM the Sidecar selects, and one of the same namespace it does not. */
  static final Proxy SCOPED = proxy("sidecar~10.0.1.1~vm1.client~client.svc.cluster.local", "10.0.1.1", "client",
      false);
  static final Proxy UNSCOPED = proxy("sidecar~10.0.1.2~vm2.client~client.svc.cluster.local", "10.0.1.2", "other",
      false);

  static Proxy proxy(String id, String ip, String app, boolean proxyless) {
    return new Proxy(id, "sidecar", List.of(ip), "client", Map.of("app", app), "", "", proxyless, "", "", "",
        Struct.getDefaultInstance(), "");
  }

  /** A node for {@link #SCOPED} or {@link #UNSCOPED}: namespace and LABELS, as the agent sends them. */
  static io.envoyproxy.envoy.config.core.v3.Node node(Proxy p) {
    Struct labels = Struct.newBuilder().putFields("app", Value.newBuilder().setStringValue(p.labels().get("app"))
        .build()).build();
    return Harness.node(p.id(), p.namespace(), false).toBuilder().setMetadata(Harness.node(p.id(), p.namespace(),
        false).getMetadata().toBuilder().putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
        .putFields("INSTANCE_IPS", Value.newBuilder().setStringValue(p.ip()).build())).build();
  }

  @Test
  void clustersAndEndpointsAreOnlyThoseOfImportedServices() throws Exception {
    try (Harness h = new Harness(MESH + "---\n" + SIDECAR)) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(new SidecarClusterType().wildcardNames(SCOPED, mesh)).containsExactlyInAnyOrder(
          "outbound|8080||" + CALLED, EnvoyProtos.BLACKHOLE, EnvoyProtos.PASSTHROUGH, InboundListener.PASSTHROUGH);
      assertThat(new SidecarClusterType().wildcardNames(UNSCOPED, mesh)).contains("outbound|8080||" + OTHER,
          "outbound|5432||" + DB);
      assertThat(new SidecarClusterType().generate(SCOPED, "outbound|8080||" + OTHER, mesh)).isNull();
      assertThat(new SidecarClusterType().generate(UNSCOPED, "outbound|8080||" + OTHER, mesh)).isNotNull();
      assertThat(new EndpointType().wildcardNames(SCOPED, mesh)).containsExactly("outbound|8080||" + CALLED);
      assertThat(new EndpointType().wildcardNames(UNSCOPED, mesh)).hasSize(3);
    }
  }

  @Test
  void listenersRoutesAndTheCatchAllFollowTheSidecar() throws Exception {
    try (Harness h = new Harness(MESH + "---\n" + SIDECAR)) {
      MeshView mesh = new MeshView(() -> h.registry);
      SidecarListenerType lds = new SidecarListenerType();
      assertThat(lds.wildcardNames(SCOPED, mesh)).containsExactlyInAnyOrder("virtualOutbound", "virtualInbound",
          "0.0.0.0_8080");
      assertThat(lds.wildcardNames(UNSCOPED, mesh)).contains("10.96.1.3_5432");
      assertThat(lds.generate(SCOPED, "10.96.1.3_5432", mesh)).isNull();
      assertThat(catchAll(lds.generate(SCOPED, "virtualOutbound", mesh).resource().unpack(Listener.class)))
          .isEqualTo(EnvoyProtos.BLACKHOLE);
      assertThat(catchAll(lds.generate(UNSCOPED, "virtualOutbound", mesh).resource().unpack(Listener.class)))
          .isEqualTo(EnvoyProtos.PASSTHROUGH);

      SidecarRouteType rds = new SidecarRouteType();
      assertThat(rds.wildcardNames(SCOPED, mesh)).containsExactly("8080");
      assertThat(vhosts(rds.generate(SCOPED, "8080", mesh).resource().unpack(RouteConfiguration.class)))
          .containsExactly(CALLED + ":8080", "block_all");
      assertThat(vhosts(rds.generate(UNSCOPED, "8080", mesh).resource().unpack(RouteConfiguration.class)))
          .containsExactly(CALLED + ":8080", OTHER + ":8080", "allow_any");
    }
  }

  @Test
  void theDnsProxyGetsOnlyTheNamesOfImportedServices() throws Exception {
    try (Harness h = new Harness(MESH + "---\n" + SIDECAR)) {
      MeshView mesh = new MeshView(() -> h.registry);
      NameTableType nds = new NameTableType();
      assertThat(nds.generate(SCOPED, "", mesh).resource().unpack(NameTable.class).getTableMap())
          .containsOnlyKeys(CALLED);
      assertThat(nds.generate(UNSCOPED, "", mesh).resource().unpack(NameTable.class).getTableMap())
          .containsOnlyKeys(CALLED, OTHER, DB);
    }
  }

  @Test
  void aHostDefinedInTwoNamespacesResolvesToTheImportedOne() throws Exception {
    String twice = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: shared, namespace: svc-a}
        spec: {hosts: [shared.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: shared, namespace: svc-b}
        spec: {hosts: [shared.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: DNS}
        ---
        """;
    try (Harness h = new Harness(twice + SIDECAR.replace("svc-a/called.svc-a.svc.cluster.local",
        "svc-b/shared.example.com"))) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(mesh.service("shared.example.com", UNSCOPED).namespace()).isEqualTo("svc-a");
      assertThat(mesh.service("shared.example.com", SCOPED).namespace()).isEqualTo("svc-b");
    }
  }

  @Test
  void anEgressPortNarrowsTheImportToThatPort() throws Exception {
    String twoPorts = MESH.replaceFirst(Pattern.quote("ports: [{number: 8080, name: http, protocol: HTTP}]"),
        "ports: [{number: 8080, name: http, protocol: HTTP}, {number: 9090, name: http2, protocol: HTTP}]");
    assertThat(twoPorts).isNotEqualTo(MESH);
    String sidecar = SIDECAR.replace("- hosts: [svc-a/called.svc-a.svc.cluster.local]",
        "- port: {number: 9090, protocol: HTTP, name: http}\n    hosts: [svc-a/*]");
    try (Harness h = new Harness(twoPorts + "---\n" + sidecar)) {
      MeshView mesh = new MeshView(() -> h.registry);
      assertThat(new SidecarClusterType().wildcardNames(SCOPED, mesh)).contains("outbound|9090||" + CALLED)
          .doesNotContain("outbound|8080||" + CALLED);
      assertThat(new SidecarRouteType().wildcardNames(SCOPED, mesh)).containsExactly("9090");
    }
  }

  @Test
  void proxylessClientsGetListenersOnlyForImportedServicesAsIstiosGrpcGeneratorBuildsThem() throws Exception {
    try (Harness h = new Harness(MESH + "---\n" + SIDECAR)) {
      MeshView mesh = new MeshView(() -> h.registry);
      Proxy grpc = proxy("grpc~10.0.1.3~app.client~client.svc.cluster.local", "10.0.1.3", "client", true);
      assertThat(new GrpcListenerType().wildcardNames(grpc, mesh)).containsExactly(CALLED + ":8080");
      assertThat(new GrpcListenerType().generate(grpc, CALLED + ":8080", mesh)).isNotNull();
      assertThat(new GrpcListenerType().generate(grpc, OTHER + ":8080", mesh)).as("dialing it fails").isNull();
      Proxy unscoped = proxy("grpc~10.0.1.4~app.client~client.svc.cluster.local", "10.0.1.4", "other", true);
      assertThat(new GrpcListenerType().generate(unscoped, OTHER + ":8080", mesh)).isNotNull();
      assertThat(new GrpcClusterType().generate(grpc, "outbound|8080||" + OTHER, mesh))
          .as("clusters by name are not scoped, as in Istio: only the listener decides").isNotNull();
    }
  }

  private static String catchAll(Listener virtualOutbound) throws Exception {
    return virtualOutbound.getFilterChainsList().stream().filter(c -> c.getName().endsWith("catchall-tcp"))
        .findFirst().orElseThrow().getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster();
  }

  private static List<String> vhosts(RouteConfiguration rc) {
    return rc.getVirtualHostsList().stream().map(VirtualHost::getName).toList();
  }
}
