package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DeltaProtocolTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: a, namespace: ns1}
      spec:
        hosts: [a.internal.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: a}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: b, namespace: ns1}
      spec:
        hosts: [b.internal.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: b}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: c, namespace: ns1}
      spec:
        hosts: [c.internal.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: a1, namespace: ns1}
      spec: {address: 10.0.0.1, labels: {app: a}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: b1, namespace: ns1}
      spec: {address: 10.0.0.2, labels: {app: b}}
      """;
  static final String A = "outbound|80||a.internal.com";
  static final String B = "outbound|80||b.internal.com";
  static final String C = "outbound|80||c.internal.com";

  static DeltaDiscoveryRequest.Builder subscribe(String type, String... names) {
    return DeltaDiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNamesSubscribe(List.of(names));
  }

  static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse r) {
    return DeltaDiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce()).build();
  }

  static Map<String, String> versions(DeltaDiscoveryResponse r) {
    return r.getResourcesList().stream().collect(Collectors.toMap(Resource::getName, Resource::getVersion));
  }

  @Test
  void wildcardThenOnlyWhatChangesThenRemovals() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DeltaDiscoveryResponse>();
      StreamObserver<DeltaDiscoveryRequest> req = h.stub().deltaAggregatedResources(rec);
      req.onNext(subscribe(TypeUrls.ENDPOINT).setNode(Harness.node("envoy-1", "ns1", false)).build());
      DeltaDiscoveryResponse first = rec.next();
      assertThat(versions(first)).containsOnlyKeys(A, B, C);
      req.onNext(ack(first));

      h.upsert("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: a2, namespace: ns1}
          spec: {address: 10.0.0.3, labels: {app: a}}
          """);
      DeltaDiscoveryResponse second = rec.next();
      assertThat(versions(second)).containsOnlyKeys(A);
      assertThat(second.getResources(0).getResource().unpack(ClusterLoadAssignment.class).getEndpoints(0)
          .getLbEndpointsCount()).isEqualTo(2);
      assertThat(versions(second).get(A)).isNotEqualTo(versions(first).get(A));
      req.onNext(ack(second));

      h.delete(h.objects(MESH).get(1)); // ServiceEntry b
      DeltaDiscoveryResponse third = rec.next();
      assertThat(third.getResourcesList()).isEmpty();
      assertThat(third.getRemovedResourcesList()).containsExactly(B);
      req.onNext(ack(third));
      await().atMost(Duration.ofSeconds(5)).until(() -> !h.xds.syncStatus().get(0).types().get("eds")
          .versionAcked().isEmpty());
    }
  }

  @Test
  void reconnectWithInitialVersionsGetsOnlyWhatChanged() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DeltaDiscoveryResponse>();
      StreamObserver<DeltaDiscoveryRequest> req = h.stub().deltaAggregatedResources(rec);
      req.onNext(subscribe(TypeUrls.ENDPOINT, A, B, C).setNode(Harness.node("envoy-1", "ns1", false)).build());
      Map<String, String> had = versions(rec.next());
      req.onCompleted();

      // while the client is away: a changes, c disappears, b stays
      h.upsert("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: a2, namespace: ns1}
          spec: {address: 10.0.0.3, labels: {app: a}}
          """);
      h.delete(h.objects(MESH).get(2));

      var rec2 = new Harness.Recorder<DeltaDiscoveryResponse>();
      StreamObserver<DeltaDiscoveryRequest> req2 = h.stub().deltaAggregatedResources(rec2);
      req2.onNext(subscribe(TypeUrls.ENDPOINT, A, B, C).setNode(Harness.node("envoy-1", "ns1", false))
          .putAllInitialResourceVersions(had).build());
      // the changes may still be in the debounce window when the client comes back: what it gets, over
      // one or two responses, is exactly the changed A and the removal of C; never the unchanged B
      Set<String> updated = new HashSet<>();
      Set<String> removed = new HashSet<>();
      while (!updated.contains(A) || !removed.contains(C)) {
        DeltaDiscoveryResponse r = rec2.next();
        updated.addAll(versions(r).keySet());
        removed.addAll(r.getRemovedResourcesList());
        req2.onNext(ack(r));
      }
      assertThat(updated).containsExactly(A);
      assertThat(removed).containsExactly(C);
    }
  }

  @Test
  void subscribingToAMissingNameIsAnsweredWithARemovalAndUnsubscribeStopsUpdates() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DeltaDiscoveryResponse>();
      StreamObserver<DeltaDiscoveryRequest> req = h.stub().deltaAggregatedResources(rec);
      req.onNext(subscribe(TypeUrls.ENDPOINT, A, "outbound|80||nope.internal.com")
          .setNode(Harness.node("client", "ns1", true)).build());
      DeltaDiscoveryResponse r = rec.next();
      assertThat(versions(r)).containsOnlyKeys(A);
      assertThat(r.getRemovedResourcesList()).containsExactly("outbound|80||nope.internal.com");
      req.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setResponseNonce(r.getNonce())
          .addResourceNamesUnsubscribe(A).addResourceNamesSubscribe(B).build());
      DeltaDiscoveryResponse r2 = rec.next();
      assertThat(versions(r2)).containsOnlyKeys(B);
      h.upsert("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: a2, namespace: ns1}
          spec: {address: 10.0.0.3, labels: {app: a}}
          ---
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: b2, namespace: ns1}
          spec: {address: 10.0.0.4, labels: {app: b}}
          """);
      DeltaDiscoveryResponse r3 = rec.next();
      assertThat(versions(r3)).containsOnlyKeys(B);
    }
  }

  @Test
  void unknownTypeIsAStreamError() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DeltaDiscoveryResponse>();
      h.stub().deltaAggregatedResources(rec).onNext(subscribe("type.googleapis.com/google.protobuf.Empty")
          .setNode(Harness.node("client", "ns1", true)).build());
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.error != null);
      assertThat(((StatusRuntimeException) rec.error).getStatus().getDescription())
          .startsWith("unsupported type_url \"type.googleapis.com/google.protobuf.Empty\"");
    }
  }
}
