package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link ChangeSet} asks every resource type what one batch of service changes touches; each type's own
 * rule decides: an endpoint move touches endpoints only (and the inbound config of the sidecar at the
 * moved address), a new port touches every type, a DNS service's endpoints live in its cluster, and
 * the proxyless mTLS policy matters to proxyless clusters only.
 */
class WhatAServiceChangeTouchesTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web, namespace: ns1}
      spec:
        hosts: [web.internal.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: api, namespace: ns1}
      spec:
        hosts: [api.example.org]
        ports: [{number: 443, name: tls, protocol: TLS}]
        resolution: DNS
        workloadSelector: {labels: {app: api}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: web1, namespace: ns1}
      spec: {address: 10.0.0.5, labels: {app: web}}
      """;
  static final String WEB = "outbound|80||web.internal.com";

  private final Registry registry = new Registry(RegistryOptions.DEFAULTS);
  private final ResourceTypes types = ResourceTypes.ALL;

  WhatAServiceChangeTouchesTest() {
    registry.load(objects(MESH));
  }

  private static List<Resource> objects(String yaml) {
    var r = ResourceDecoder.decode("test.yaml", yaml);
    assertThat(r.problems()).isEmpty();
    return r.resources();
  }

  private PushRequest push(String yaml) {
    Registry.Changes changes = registry.upsert(objects(yaml).get(0));
    return ChangeSet.compute(types, changes.changes().values(), changes.nameTable(), 0);
  }

  private Map<String, Set<String>> byType(PushRequest r) {
    Map<String, Set<String>> out = new TreeMap<>();
    r.changed().forEach((type, names) -> out.merge(type.getClass().getSimpleName(), names, (a, b) -> a));
    return out;
  }

  @Test
  void anEndpointMoveTouchesEndpointsAndTheInboundConfigAtBothAddresses() {
    PushRequest r = push("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: web1, namespace: ns1}
        spec: {address: 10.0.0.6, labels: {app: web}}
        """);
    assertThat(byType(r)).containsOnlyKeys("EndpointType", "RouterEndpointType")
        .containsEntry("EndpointType", Set.of(WEB))
        .containsEntry("RouterEndpointType", Set.of(WEB, "outbound_.80_._.web.internal.com"));
    assertThat(r.shapesChanged()).isFalse();
    assertThat(r.touchedIps()).containsExactlyInAnyOrder("10.0.0.5", "10.0.0.6");

    Proxy atOldAddress = SidecarResourcesTest.SIDECAR; // 10.0.0.5
    Proxy elsewhere = SidecarResourcesTest.OUTSIDER;
    assertThat(new SidecarListenerType().affects(r, atOldAddress)).isTrue();
    assertThat(new SidecarClusterType().affects(r, atOldAddress)).isTrue();
    assertThat(new SidecarListenerType().affects(r, elsewhere)).isFalse();
    assertThat(new SidecarRouteType().affects(r, atOldAddress)).isFalse();
  }

  @Test
  void aNewPortTouchesEveryTypeOfBothPorts() {
    PushRequest r = push(MESH.replace("[{number: 80, name: http, protocol: HTTP}]",
        "[{number: 80, name: http, protocol: HTTP}, {number: 81, name: admin, protocol: HTTP}]"));
    String web81 = "outbound|81||web.internal.com";
    assertThat(byType(r)).containsEntry("EndpointType", Set.of(WEB, web81))
        .containsEntry("GrpcClusterType", Set.of(WEB, web81))
        .containsEntry("SidecarClusterType", Set.of(WEB, web81))
        .containsEntry("GrpcListenerType", Set.of("web.internal.com:80", "web.internal.com:81"))
        .containsEntry("GrpcRouteType", Set.of("web.internal.com:80", "web.internal.com:81"));
    assertThat(r.shapesChanged()).isTrue();
    assertThat(new SidecarListenerType().affects(r, SidecarResourcesTest.OUTSIDER)).isTrue();
    assertThat(new SidecarRouteType().staleAll(r)).isTrue();
  }

  @Test
  void aDnsServicesEndpointsLiveInItsCluster() {
    PushRequest r = push("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: api1, namespace: ns1}
        spec: {address: 10.0.0.9, labels: {app: api}}
        """);
    String api = "outbound|443||api.example.org";
    assertThat(byType(r)).containsEntry("GrpcClusterType", Set.of(api))
        .containsEntry("SidecarClusterType", Set.of(api)).containsEntry("EndpointType", Set.of(api))
        .doesNotContainKeys("GrpcListenerType", "GrpcRouteType");
  }

  @Test
  void theProxylessMtlsPolicyMattersToProxylessClustersOnly() {
    PushRequest r = push("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: web1
          namespace: ns1
          labels: {security.istio.io/tlsMode: istio}
        spec: {address: 10.0.0.5, labels: {app: web}}
        """);
    assertThat(byType(r)).containsEntry("GrpcClusterType", Set.of(WEB))
        .doesNotContainKey("SidecarClusterType");
  }
}
