package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.registry.ServiceChange;
import dev.vmesh.registry.ServiceKey;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PushPipelineTest {

  /** A timer the test runs by hand against a fake clock. */
  static final class ManualTimer implements PushQueue.Timer {
    final AtomicLong now = new AtomicLong();
    private final java.util.PriorityQueue<long[]> due = new java.util.PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
    private final List<Runnable> tasks = new ArrayList<>();

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
      tasks.add(task);
      due.add(new long[] {now.get() + delayNanos, tasks.size() - 1});
    }

    /** Moves the clock forward, running every task that falls due, in order. */
    void advance(long nanos) {
      long target = now.get() + nanos;
      while (true) {
        Runnable next;
        synchronized (this) {
          if (due.isEmpty() || due.peek()[0] > target) {
            break;
          }
          long[] d = due.poll();
          now.set(d[0]);
          next = tasks.get((int) d[1]);
        }
        next.run();
      }
      now.set(target);
    }
  }

  private static java.util.Map<ServiceKey, ServiceChange> change(ServiceKey key) {
    return java.util.Map.of(key, new ServiceChange(key, null, null));
  }

  @Test
  void debounceWaitsForQuietButNotLongerThanMax() {
    ManualTimer timer = new ManualTimer();
    List<PushQueue.Batch> fired = new ArrayList<>();
    PushQueue q = new PushQueue(timer, Duration.ofMillis(10), Duration.ofMillis(100), fired::add, timer.now::get);
    ServiceKey a = new ServiceKey("a", "ns");
    ServiceKey b = new ServiceKey("b", "ns");
    q.add(change(a), false, false);
    timer.advance(5_000_000);
    q.add(change(b), true, false); // 5 ms later: the quiet period starts again
    timer.advance(9_000_000);
    assertThat(fired).isEmpty(); // 14 ms: only 9 ms quiet
    timer.advance(1_000_000);
    assertThat(fired).singleElement().satisfies(batch -> {
      assertThat(batch.changes().keySet()).containsExactlyInAnyOrder(a, b);
      assertThat(batch.nameTable()).isTrue();
      assertThat(batch.firstNanos()).isZero();
    });

    // changes every 9 ms never leave 10 ms of quiet: the batch still goes at 100 ms after its first change
    long start = timer.now.get();
    q.add(change(a), false, false);
    for (int i = 0; i < 10; i++) {
      timer.advance(9_000_000);
      q.add(change(b), false, false);
      assertThat(fired).hasSize(1);
    }
    timer.advance(10_000_000);
    assertThat(fired).hasSize(2);
    assertThat(fired.get(1).firstNanos()).isEqualTo(start);
    assertThat(timer.now.get() - start).isEqualTo(100_000_000);
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
