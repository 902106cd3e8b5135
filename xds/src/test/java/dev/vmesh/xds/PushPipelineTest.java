package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.time.ManualTimer;
import dev.vmesh.registry.ServiceChange;
import dev.vmesh.registry.ServiceKey;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PushPipelineTest {

  private static Map<ServiceKey, ServiceChange> change(ServiceKey key) {
    return Map.of(key, new ServiceChange(key, null, null));
  }

  private static long nanos(ManualTimer timer) {
    Instant now = timer.instant();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  @Test
  void aChangeAfterQuietGoesAtOnceAndTheBurstAfterItWaitsForQuietButNotLongerThanMax() {
    ManualTimer timer = new ManualTimer();
    List<PushQueue.Batch> fired = new ArrayList<>();
    PushQueue q = new PushQueue(timer, Duration.ofMillis(10), Duration.ofMillis(100), fired::add,
        () -> nanos(timer));
    ServiceKey a = new ServiceKey("a", "ns");
    ServiceKey b = new ServiceKey("b", "ns");
    long t0 = nanos(timer);
    q.add(change(a), false, false); // nothing came before it: no reason to wait
    timer.advance(Duration.ZERO);
    assertThat(fired).singleElement().satisfies(batch -> assertThat(batch.changes().keySet()).containsExactly(a));

    timer.advance(Duration.ofMillis(5));
    q.add(change(b), true, false); // 5 ms after the last change: a burst, so the quiet period starts
    timer.advance(Duration.ofMillis(9));
    assertThat(fired).hasSize(1); // 14 ms: only 9 ms quiet
    timer.advance(Duration.ofMillis(1));
    assertThat(fired).hasSize(2);
    assertThat(fired.get(1).changes().keySet()).containsExactly(b);
    assertThat(fired.get(1).nameTable()).isTrue();
    assertThat(fired.get(1).firstNanos()).isEqualTo(t0 + 5_000_000);

    // after 10 ms of quiet the next change goes at once again; changes every 9 ms after it never leave
    // 10 ms of quiet: their batch still goes 100 ms after its first change
    timer.advance(Duration.ofMillis(10));
    q.add(change(a), false, false);
    timer.advance(Duration.ZERO);
    assertThat(fired).hasSize(3);
    long start = nanos(timer) + 9_000_000;
    for (int i = 0; i < 11; i++) {
      timer.advance(Duration.ofMillis(9));
      q.add(change(b), false, false);
      assertThat(fired).hasSize(3);
    }
    timer.advance(Duration.ofMillis(9)); // 99 ms after the batch's first change
    assertThat(fired).hasSize(3);
    timer.advance(Duration.ofMillis(1));
    assertThat(fired).hasSize(4);
    assertThat(fired.get(3).firstNanos()).isEqualTo(start);
    assertThat(nanos(timer) - start).isEqualTo(100_000_000);
  }

  @Test
  void aServiceChangedSeveralTimesInABatchGoesFromItsFirstStateToItsLast() {
    ManualTimer timer = new ManualTimer();
    List<PushQueue.Batch> fired = new ArrayList<>();
    PushQueue q = new PushQueue(timer, Duration.ofMillis(10), Duration.ofMillis(100), fired::add,
        () -> nanos(timer));
    ServiceKey a = new ServiceKey("a", "ns");
    q.add(change(new ServiceKey("z", "ns")), false, false);
    timer.advance(Duration.ZERO); // the leading push
    ServiceChange first = new ServiceChange(a, null, null);
    ServiceChange second = new ServiceChange(a, null, null);
    q.add(Map.of(a, first), false, false);
    q.add(Map.of(a, second), false, false);
    timer.advance(Duration.ofMillis(10));
    assertThat(fired).hasSize(2);
    assertThat(fired.get(1).changes()).containsExactly(Map.entry(a, first.then(second)));
  }

  /** A client that reads nothing must not stop another client from getting its push. */
  @Test
  void aStalledClientDoesNotHoldUpOthers() throws Exception {
    StringBuilder mesh = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      mesh.append("""
          ---
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: s%d, namespace: ns1}
          spec:
            hosts: [s%d.internal.com]
            ports: [{number: 80, name: http, protocol: HTTP}]
            resolution: STATIC
            workloadSelector: {labels: {app: s%d}}
          """.formatted(i, i, i));
    }
    try (Harness h = new Harness(mesh.toString())) {
      // the stalled client asks for everything, then never requests another message from the transport
      List<String> all = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        all.add("outbound|80||s" + i + ".internal.com");
      }
      ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> stalled = new ClientResponseObserver<>() {
        @Override
        public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> stream) {
          stream.disableAutoRequestWithInitial(0);
        }

        @Override
        public void onNext(DiscoveryResponse value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
      StreamObserver<DiscoveryRequest> s = h.stub().streamAggregatedResources(stalled);
      // it subscribes to the same endpoints the healthy client watches, so every change is work for it too
      s.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).addAllResourceNames(all)
          .setNode(Harness.node("stalled", "ns1", true)).build());

      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> ok = h.stub().streamAggregatedResources(rec);
      ok.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT)
          .addResourceNames("outbound|80||s7.internal.com").setNode(Harness.node("healthy", "ns1", true)).build());
      DiscoveryResponse first = rec.next();
      ok.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setResponseNonce(first.getNonce())
          .addResourceNames("outbound|80||s7.internal.com").build());

      for (int round = 0; round < 20; round++) {
        h.upsert("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: vm, namespace: ns1}
            spec: {address: 10.0.0.%d, labels: {app: s7}}
            """.formatted(round + 1));
        DiscoveryResponse r = rec.next();
        assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
        ok.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).setResponseNonce(r.getNonce())
            .addResourceNames("outbound|80||s7.internal.com").build());
      }
      assertThat(h.xds.connectionCount()).isEqualTo(2);
    }
  }

  @Test
  void closingTheServerEndsStreamsCleanly() throws Exception {
    try (Harness h = new Harness(StateOfTheWorldProtocolTest.MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      h.stub().streamAggregatedResources(rec).onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER)
          .setNode(Harness.node("c", "ns1", true)).addResourceNames("outbound|80||svc1.internal.com").build());
      rec.next();
      h.xds.close();
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.completed);
      assertThat(rec.error).isNull();
    }
  }
}
