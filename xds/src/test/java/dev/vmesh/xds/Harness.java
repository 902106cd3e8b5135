package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An xDS server on an in-process transport over a registry the test drives. */
final class Harness implements AutoCloseable {
  final Registry registry = new Registry(RegistryOptions.DEFAULTS);
  final XdsServer xds;
  final Server server;
  final ManagedChannel channel;
  private int created;

  Harness(String yaml) throws IOException {
    this(yaml, XdsCallbacks.NONE);
  }

  Harness(String yaml, XdsCallbacks callbacks) throws IOException {
    this(yaml, callbacks, XdsMetrics.unregistered());
  }

  Harness(String yaml, XdsCallbacks callbacks, XdsMetrics metrics) throws IOException {
    this(ResourceTypes.ALL, yaml, callbacks, metrics);
  }

  /** A server of {@code types} only. */
  Harness(ResourceTypes types, String yaml) throws IOException {
    this(types, yaml, XdsCallbacks.NONE, XdsMetrics.unregistered());
  }

  private Harness(ResourceTypes types, String yaml, XdsCallbacks callbacks, XdsMetrics metrics) throws IOException {
    registry.load(objects(yaml));
    xds = new XdsServer(types, () -> registry, new XdsOptions(Duration.ZERO, Duration.ZERO, 2), callbacks, metrics,
        Clock.systemUTC());
    xds.fullPush();
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(xds.service()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  List<Resource> objects(String yaml) {
    var r = ResourceDecoder.decode("test.yaml", yaml);
    assertThat(r.problems()).isEmpty();
    return r.resources().stream().map(res -> res.withMetadata(res.metadata().withCreationTimestamp(
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(created++)))).toList();
  }

  /** Applies objects to the registry and lets the xDS server push. */
  void upsert(String yaml) {
    for (Resource r : objects(yaml)) {
      xds.onRegistryChange(registry.upsert(r));
    }
  }

  void delete(Resource r) {
    xds.onRegistryChange(registry.delete(r.key()));
  }

  AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub() {
    return AggregatedDiscoveryServiceGrpc.newStub(channel);
  }

  static Node node(String id, String namespace, boolean proxyless) {
    Struct.Builder md = Struct.newBuilder().putFields("NAMESPACE", Value.newBuilder().setStringValue(namespace).build());
    if (proxyless) {
      md.putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build());
    }
    return Node.newBuilder().setId(id).setMetadata(md).build();
  }

  /** Collects what the server sends on one stream. */
  static final class Recorder<T> implements StreamObserver<T> {
    final BlockingQueue<T> messages = new LinkedBlockingQueue<>();
    volatile Throwable error;
    volatile boolean completed;

    @Override
    public void onNext(T value) {
      messages.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed = true;
    }

    /** The next message, waiting up to 10 s for it. */
    T next() throws InterruptedException {
      T m = messages.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("a response within 10 s").isNotNull();
      return m;
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    xds.close();
  }
}
