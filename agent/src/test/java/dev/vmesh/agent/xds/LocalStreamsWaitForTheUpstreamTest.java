package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local xDS proxy serves from the agent's start, before the agent has an upstream connection (it
 * waits for its certificate): a local client's stream is held, its request unread, and forwarded (node
 * adjusted as always) once the upstream is there; a client that gives up meanwhile opens nothing upstream.
 */
class LocalStreamsWaitForTheUpstreamTest {
  FakeAds server;
  CompletableFuture<Channels> upstream = new CompletableFuture<>();
  LocalXdsProxy proxy;
  ManagedChannel client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeAds("held-" + System.nanoTime());
    proxy = new LocalXdsProxy(upstream, "vm");
    proxy.start(null, new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + proxy.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void stop() {
    client.shutdownNow();
    proxy.close();
    server.close();
  }

  @Test
  void aStreamOpenedBeforeTheUpstreamIsForwardedOnceItIsThere() {
    LocalXdsProxyTest.Received<DiscoveryResponse> got = new LocalXdsProxyTest.Received<>();
    AggregatedDiscoveryServiceGrpc.newStub(client).streamAggregatedResources(got)
        .onNext(DiscoveryRequest.newBuilder().setNode(LocalXdsProxyTest.sneakyNode()).setTypeUrl("cds").build());
    await().until(() -> proxy.heldStreams() == 1);
    assertThat(server.streams).isEmpty();
    assertThat(proxy.openStreams()).isEqualTo(1);

    upstream.complete(server);
    await().until(() -> server.streams.size() == 1 && server.last().requests.size() == 1);
    assertThat(proxy.heldStreams()).isZero();
    assertThat(server.last().requests.get(0).getNode().getMetadata().getFieldsMap().get("NAMESPACE")
        .getStringValue()).isEqualTo("vm");
    server.last().out.onNext(DiscoveryResponse.newBuilder().setTypeUrl("cds").setVersionInfo("v1").build());
    await().until(() -> got.items.size() == 1);
    assertThat(got.items.get(0).getVersionInfo()).isEqualTo("v1");
  }

  @Test
  void aClientThatLeavesWhileHeldOpensNothingUpstream() {
    var first = AggregatedDiscoveryServiceGrpc.newStub(client)
        .streamAggregatedResources(new LocalXdsProxyTest.Received<>());
    first.onNext(DiscoveryRequest.newBuilder().setTypeUrl("lds").build());
    await().until(() -> proxy.heldStreams() == 1);
    first.onError(new RuntimeException("Envoy restarted"));
    await().until(() -> proxy.heldStreams() == 0 && proxy.openStreams() == 0);

    // a second client, still held when the upstream arrives, is the only stream the server sees
    AggregatedDiscoveryServiceGrpc.newStub(client).streamAggregatedResources(new LocalXdsProxyTest.Received<>())
        .onNext(DiscoveryRequest.newBuilder().setTypeUrl("cds").build());
    await().until(() -> proxy.heldStreams() == 1);
    upstream.complete(server);
    await().until(() -> server.streams.size() == 1 && server.last().requests.size() == 1);
    assertThat(server.last().requests.get(0).getTypeUrl()).isEqualTo("cds");
    assertThat(server.streams).hasSize(1);
  }
}
