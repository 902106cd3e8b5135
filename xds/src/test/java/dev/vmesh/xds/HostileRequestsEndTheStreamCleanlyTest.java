package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Found by the xDS fuzzer (controlplane's {@code HostileXdsStreamsSeeOnlyWhatTheirCredentialsProveFuzzTest}):
 * a stream whose later request did not parse was ended by gRPC (UNKNOWN) without the server noticing,
 * so its connection stayed registered (and pushed to) forever; a 70 KB type URL was repeated whole in
 * the refusal, whose trailer then broke the client's HTTP/2 connection (header list over 10 KiB) and
 * every other stream on it; a refused node's id was kept whole for {@code /debug/refusedz}.
 */
class HostileRequestsEndTheStreamCleanlyTest {
  static final String MESH = StateOfTheWorldProtocolTest.MESH;

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  /** Sends {@code messages} as they are on an ADS call and returns how the call ended. */
  private static Status rawCall(Channel channel, byte[]... messages) throws Exception {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod().getFullMethodName())
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT);
    CompletableFuture<Status> ended = new CompletableFuture<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        ended.complete(status);
      }
    }, new Metadata());
    call.request(1);
    for (byte[] m : messages) {
      call.sendMessage(m);
    }
    call.halfClose();
    return ended.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aStreamGrpcEndsForAnUnreadableRequestIsForgotten() throws Exception {
    // over a real (Netty) transport: the in-process one reports the parse failure as a cancellation
    try (Harness h = new Harness(MESH)) {
      Server server = NettyServerBuilder
          .forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(h.xds.service()).build().start();
      ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(),
          InsecureChannelCredentials.create()).build();
      try {
        byte[] valid = DiscoveryRequest.newBuilder().setNode(Harness.node("client-1", "ns1", true))
            .setTypeUrl(TypeUrls.CLUSTER).build().toByteArray();
        byte[] garbage = {(byte) 0x8b, (byte) 0xb5, (byte) 0xed, (byte) 0xb4, (byte) 0xd9, 0x7c, 0x68};
        Status status = rawCall(channel, valid, garbage, valid); // a request after it: the half-close never comes
        assertThat(status.getCode()).isIn(Status.Code.UNKNOWN, Status.Code.INTERNAL);
        await().atMost(Duration.ofSeconds(10)).until(() -> h.xds.connectionCount() == 0);
      } finally {
        channel.shutdownNow();
        server.shutdownNow();
      }
    }
  }

  @Test
  void aHugeTypeUrlIsRepeatedInPart() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      var req = h.stub().streamAggregatedResources(rec);
      req.onNext(DiscoveryRequest.newBuilder().setNode(Harness.node("client-1", "ns1", true))
          .setTypeUrl("x".repeat(70_000)).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> rec.error != null);
      Status status = Status.fromThrowable(rec.error);
      assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(status.getDescription()).contains("unsupported type_url \"xxx", "(69872 more characters)")
          .hasSizeLessThan(1000);
      assertThat(h.xds.refusedStreams().get(0).message()).hasSizeLessThan(1000);
    }
  }

  @Test
  void aRefusedNodesHugeIdIsKeptInPart() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      var req = h.stub().streamAggregatedResources(rec);
      req.onNext(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("n".repeat(100_000)))
          .setTypeUrl(TypeUrls.CLUSTER).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> rec.error != null);
      assertThat(Status.fromThrowable(rec.error).getDescription()).contains("longer than 1024 characters");
      assertThat(h.xds.refusedStreams().get(0).proxy()).startsWith("nnnn").contains("(99872 more characters)")
          .hasSizeLessThan(200);
    }
  }
}
