package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Callbacks may block (auto-registration writes to the store): they run on the hook threads, a stream's
 * first response waits for its own {@code onConnect} only, and a stream that ends meanwhile still gets
 * its {@code onDisconnect}, after the connect.
 */
class ConnectHooksRunOffThePushThreadsTest {
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  static final String CLUSTER = "outbound|80||svc1.internal.com";

  /** Blocks onConnect of proxies whose id starts with "slow" until released; records every call. */
  static final class SlowConnects implements XdsCallbacks {
    final CountDownLatch release = new CountDownLatch(1);
    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onConnect(Proxy proxy, String connectionId) {
      threads.add(Thread.currentThread().getName());
      calls.add("connect " + connectionId);
      if (proxy.id().startsWith("slow")) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (proxy.id().startsWith("refused")) {
        throw Status.PERMISSION_DENIED.withDescription("not you").asRuntimeException();
      }
      calls.add("connected " + connectionId);
    }

    @Override
    public void onDisconnect(Proxy proxy, String connectionId) {
      threads.add(Thread.currentThread().getName());
      calls.add("disconnect " + connectionId);
    }
  }

  private static StreamObserver<DiscoveryRequest> subscribe(Harness h, String id,
      Harness.Recorder<DiscoveryResponse> rec) {
    StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
    req.onNext(DiscoveryRequest.newBuilder().setTypeUrl(EDS).addResourceNames(CLUSTER)
        .setNode(Harness.node(id, "ns1", true)).build());
    return req;
  }

  @Test
  void blockedConnectHooksHoldBackOnlyTheirOwnStreams() throws Exception {
    SlowConnects hooks = new SlowConnects();
    try (Harness h = new Harness(StateOfTheWorldProtocolTest.MESH, hooks)) {
      List<Harness.Recorder<DiscoveryResponse>> slow = new ArrayList<>();
      for (int i = 0; i < 3; i++) { // more than the two push threads
        var rec = new Harness.Recorder<DiscoveryResponse>();
        subscribe(h, "slow-" + i, rec);
        slow.add(rec);
      }
      await().until(() -> hooks.calls.stream().filter(c -> c.startsWith("connect slow")).count() == 3);

      var fast = new Harness.Recorder<DiscoveryResponse>();
      subscribe(h, "fast", fast);
      assertThat(fast.next().getResourcesCount()).isEqualTo(1);
      assertThat(slow).allMatch(r -> r.messages.isEmpty()); // not answered before their hook returned

      hooks.release.countDown();
      for (var rec : slow) {
        assertThat(rec.next().getResourcesCount()).isEqualTo(1);
      }
      assertThat(hooks.threads).allMatch(t -> t.startsWith("xds-hooks-"));
    }
  }

  @Test
  void aStreamThatEndsWhileItsConnectHookRunsIsDisconnectedAfterIt() throws Exception {
    SlowConnects hooks = new SlowConnects();
    try (Harness h = new Harness(StateOfTheWorldProtocolTest.MESH, hooks)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      var req = (ClientCallStreamObserver<DiscoveryRequest>) subscribe(h, "slow-gone", rec);
      await().until(() -> hooks.calls.size() == 1);
      req.cancel("VM went away", null);
      hooks.release.countDown();
      await().until(() -> hooks.calls.size() == 3);
      String id = hooks.calls.get(0).substring("connect ".length());
      assertThat(hooks.calls).containsExactly("connect " + id, "connected " + id, "disconnect " + id);
      assertThat(h.xds.connectionCount()).isZero();
    }
  }

  @Test
  void aRefusedProxyGetsTheStatusAndNoDisconnect() throws Exception {
    SlowConnects hooks = new SlowConnects();
    try (Harness h = new Harness(StateOfTheWorldProtocolTest.MESH, hooks)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      subscribe(h, "refused-1", rec);
      await().until(() -> rec.error != null);
      assertThat(rec.error).isInstanceOf(StatusRuntimeException.class);
      assertThat(((StatusRuntimeException) rec.error).getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(rec.messages).isEmpty();
      var ok = new Harness.Recorder<DiscoveryResponse>();
      subscribe(h, "fine", ok);
      ok.next(); // a disconnect for the refused stream would have been queued before its error was sent
      assertThat(hooks.calls).noneMatch(c -> c.startsWith("disconnect"));
      assertThat(h.xds.connectionCount()).isEqualTo(1);
    }
  }
}
