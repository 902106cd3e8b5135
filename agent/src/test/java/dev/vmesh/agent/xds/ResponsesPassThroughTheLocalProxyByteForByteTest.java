package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.CodedOutputStream;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The local xDS proxy hands Envoy the server's responses as the server encoded them: it never decodes
 * and re-encodes them (a 1.5 MB CDS answer would cost the agent a parse and a serialisation on its
 * start path). Shown with a response whose fields are not in the order protobuf writes them and that
 * carries a field the proxy's protobuf does not know: a decode and re-encode would change both.
 */
class ResponsesPassThroughTheLocalProxyByteForByteTest {
  final List<DeltaDiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  final byte[] answer = unusualEncoding();
  Server upstreamServer;
  ManagedChannel upstreamChannel;
  LocalXdsProxy proxy;
  ManagedChannel client;

  @BeforeEach
  void start() throws Exception {
    String name = "raw-" + System.nanoTime();
    upstreamServer = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerServiceDefinition.builder(AggregatedDiscoveryServiceGrpc.SERVICE_NAME)
            .addMethod(LocalXdsProxy.DELTA, ServerCalls.asyncBidiStreamingCall(this::answerEachRequest))
            .build())
        .build().start();
    upstreamChannel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Channels upstream = new Channels() {
      @Override
      public ManagedChannel channel() {
        return upstreamChannel;
      }

      @Override
      public String address() {
        return name;
      }

      @Override
      public String failover(ManagedChannel failed) {
        return name;
      }
    };
    proxy = new LocalXdsProxy(upstream, "vm");
    proxy.start(null, new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + proxy.port(), InsecureChannelCredentials.create()).build();
  }

  @AfterEach
  void stop() {
    client.shutdownNow();
    proxy.close();
    upstreamChannel.shutdownNow();
    upstreamServer.shutdownNow();
  }

  private StreamObserver<DeltaDiscoveryRequest> answerEachRequest(StreamObserver<byte[]> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(DeltaDiscoveryRequest r) {
        requests.add(r);
        out.onNext(answer);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  /** type_url (4) before system_version_info (1), then a field number no xDS version uses. */
  private static byte[] unusualEncoding() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.writeString(4, "type.googleapis.com/envoy.config.cluster.v3.Cluster");
      out.writeString(1, "v7");
      out.writeString(5, "n1");
      out.writeString(1000, "from a newer server");
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void envoyGetsTheServersBytesUnchanged() throws Exception {
    LocalXdsProxyTest.Received<byte[]> got = new LocalXdsProxyTest.Received<>();
    StreamObserver<DeltaDiscoveryRequest> requestsOut = ClientCalls.asyncBidiStreamingCall(
        client.newCall(LocalXdsProxy.DELTA, CallOptions.DEFAULT), got);
    requestsOut.onNext(DeltaDiscoveryRequest.newBuilder().setNode(LocalXdsProxyTest.sneakyNode())
        .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster").build());

    await().until(() -> got.items.size() == 1);
    assertThat(got.items.get(0)).isEqualTo(answer);
    DeltaDiscoveryResponse parsed = DeltaDiscoveryResponse.parseFrom(got.items.get(0));
    assertThat(parsed.getSystemVersionInfo()).isEqualTo("v7");
    assertThat(parsed.toByteArray()).as("what a decode and re-encode would have sent").isNotEqualTo(answer);
    // requests are still decoded: the node is the VM's namespace, whatever the local client claimed
    assertThat(requests).hasSize(1);
    assertThat(requests.get(0).getNode().getMetadata().getFieldsMap().get("NAMESPACE").getStringValue())
        .isEqualTo("vm");
    requestsOut.onCompleted();
  }
}
