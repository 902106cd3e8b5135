package dev.vmesh.agent.xds;

import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-process ADS server that records every stream and lets the test answer or close it. */
final class FakeAds extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase implements Channels,
    AutoCloseable {
  /** One stream as the server saw it. */
  static final class Stream implements StreamObserver<DiscoveryRequest> {
    final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
    final StreamObserver<DiscoveryResponse> out;
    volatile boolean ended;

    Stream(StreamObserver<DiscoveryResponse> out) {
      this.out = out;
    }

    @Override
    public void onNext(DiscoveryRequest r) {
      requests.add(r);
    }

    @Override
    public void onError(Throwable t) {
      ended = true;
    }

    @Override
    public void onCompleted() {
      ended = true;
    }
  }

  final List<Stream> streams = new CopyOnWriteArrayList<>();
  final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
  final List<ManagedChannel> failedOver = new CopyOnWriteArrayList<>();
  final String name;
  final Server server;
  final ManagedChannel channel;

  FakeAds(String name) throws Exception {
    this.name = name;
    this.server = InProcessServerBuilder.forName(name).directExecutor().addService(this).build().start();
    this.channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @Override
  public StreamObserver<DiscoveryRequest> streamAggregatedResources(StreamObserver<DiscoveryResponse> out) {
    Stream s = new Stream(out);
    streams.add(s);
    return s;
  }

  @Override
  public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(StreamObserver<DeltaDiscoveryResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(DeltaDiscoveryRequest r) {
        deltaRequests.add(r);
        out.onNext(DeltaDiscoveryResponse.newBuilder().setTypeUrl(r.getTypeUrl()).setNonce("d1").build());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  Stream last() {
    return streams.get(streams.size() - 1);
  }

  @Override
  public ManagedChannel channel() {
    return channel;
  }

  @Override
  public String address() {
    return name;
  }

  @Override
  public String failover(ManagedChannel failed) {
    failedOver.add(failed);
    return name;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
  }
}
