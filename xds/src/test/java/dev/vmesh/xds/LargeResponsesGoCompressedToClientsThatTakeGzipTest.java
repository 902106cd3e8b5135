package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.Codec;
import io.grpc.DecompressorRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerStreamTracer;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A response of {@value Connection#COMPRESS_ABOVE_BYTES} resource bytes or more goes gzip-compressed to a
 * client that says it takes gzip (the agent's grpc-java), so a new VM's 1.5 MB of CDS crosses the network
 * and the agent's TLS as about 70 KB; smaller responses go as they are; a client that takes no compression
 * (Envoy's own gRPC client asks for none) gets every response uncompressed.
 */
class LargeResponsesGoCompressedToClientsThatTakeGzipTest {
  /** Wire and uncompressed size of each message the server sent. */
  record Sent(long wire, long uncompressed) {}

  final List<Sent> sent = new CopyOnWriteArrayList<>();
  final AtomicReference<Throwable> error = new AtomicReference<>();
  Harness h;
  Server server;
  ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
    h.close();
  }

  private static String mesh(int services) {
    StringBuilder y = new StringBuilder();
    for (int i = 0; i < services; i++) {
      y.append("""
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: s%1$d, namespace: ns1}
          spec:
            hosts: [s%1$d.internal.com]
            ports: [{number: 80, name: http, protocol: HTTP}]
            resolution: STATIC
          ---
          """.formatted(i));
    }
    return y.toString();
  }

  private List<DeltaDiscoveryResponse> fetchClusters(int services, boolean clientTakesGzip) throws Exception {
    h = new Harness(mesh(services));
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(h.xds.service())
        .compressorRegistry(FastGzip.registry())
        .addStreamTracerFactory(new ServerStreamTracer.Factory() {
          @Override
          public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
            return new ServerStreamTracer() {
              @Override
              public void outboundMessageSent(int seqNo, long wireSize, long uncompressedSize) {
                sent.add(new Sent(wireSize, uncompressedSize));
              }
            };
          }
        })
        .build().start();
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext();
    if (!clientTakesGzip) {
      b.decompressorRegistry(DecompressorRegistry.emptyInstance().with(Codec.Identity.NONE, true));
    }
    channel = b.build();
    List<DeltaDiscoveryResponse> got = new CopyOnWriteArrayList<>();
    StreamObserver<DeltaDiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
        .deltaAggregatedResources(new StreamObserver<>() {
          @Override
          public void onNext(DeltaDiscoveryResponse r) {
            got.add(r);
          }

          @Override
          public void onError(Throwable t) {
            error.set(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setNode(Harness.node("sidecar~10.0.0.9~vm.ns1~ns1.svc.cluster.local",
        "ns1", false)).setTypeUrl(XdsType.CLUSTER.typeUrl()).build());
    await().until(() -> got.size() == 1 && sent.size() == 1 || error.get() != null);
    assertThat(error.get()).isNull();
    requests.onCompleted();
    return got;
  }

  @Test
  void aLargeAnswerIsCompressedForAClientThatTakesGzip() throws Exception {
    DeltaDiscoveryResponse cds = fetchClusters(1000, true).get(0);
    assertThat(cds.getResourcesCount()).isEqualTo(1003); // 1,000 services and the three fixed clusters
    assertThat(sent.get(0).uncompressed()).isGreaterThan(2 * Connection.COMPRESS_ABOVE_BYTES);
    assertThat(sent.get(0).wire()).isLessThan(sent.get(0).uncompressed() / 5);
  }

  @Test
  void aSmallAnswerIsNotCompressed() throws Exception {
    fetchClusters(3, true);
    assertThat(sent.get(0).uncompressed()).isLessThan(Connection.COMPRESS_ABOVE_BYTES);
    assertThat(sent.get(0).wire()).isEqualTo(sent.get(0).uncompressed());
  }

  @Test
  void aClientThatTakesNoCompressionGetsTheLargeAnswerAsItIs() throws Exception {
    DeltaDiscoveryResponse cds = fetchClusters(1000, false).get(0);
    assertThat(cds.getResourcesCount()).isEqualTo(1003);
    assertThat(sent.get(0).wire()).isEqualTo(sent.get(0).uncompressed());
  }
}
