package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.secret.v3.SecretDiscoveryServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalXdsProxyTest {
  @TempDir
  Path tmp;
  FakeAds server;
  LocalXdsProxy proxy;
  ManagedChannel client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeAds("local-proxy-" + System.nanoTime());
    proxy = new LocalXdsProxy(server, "vm");
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.shutdownNow();
    }
    proxy.close();
    server.close();
  }

  /** Records what a local client receives. */
  static final class Received<T> implements StreamObserver<T> {
    final List<T> items = new CopyOnWriteArrayList<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();
    volatile boolean completed;

    @Override
    public void onNext(T v) {
      items.add(v);
    }

    @Override
    public void onError(Throwable t) {
      error.set(t);
    }

    @Override
    public void onCompleted() {
      completed = true;
    }
  }

  static Node sneakyNode() {
    return Node.newBuilder().setId("sidecar~10.0.0.5~app.vm~vm.svc.cluster.local").setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("other").build())
        .putFields("AUTO_REGISTER_GROUP", Value.newBuilder().setStringValue("web").build())
        .putFields("GENERATOR", Value.newBuilder().setStringValue("grpc").build())).build();
  }

  @Test
  void forwardsBothWaysOverALoopbackPortAndFixesTheNode() throws Exception {
    proxy.start(null, new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + proxy.port(), InsecureChannelCredentials.create()).build();
    Received<DiscoveryResponse> got = new Received<>();
    var up = AggregatedDiscoveryServiceGrpc.newStub(client).streamAggregatedResources(got);
    up.onNext(DiscoveryRequest.newBuilder().setNode(sneakyNode()).setTypeUrl("cds").build());
    await().until(() -> server.streams.size() == 1 && server.last().requests.size() == 1);
    var seen = server.last().requests.get(0);
    assertThat(seen.getNode().getId()).isEqualTo(sneakyNode().getId());
    assertThat(seen.getNode().getMetadata().getFieldsMap()).containsEntry("NAMESPACE",
        Value.newBuilder().setStringValue("vm").build()).doesNotContainKey("AUTO_REGISTER_GROUP")
        .containsKey("GENERATOR");

    for (int i = 0; i < 50; i++) {
      server.last().out.onNext(DiscoveryResponse.newBuilder().setTypeUrl("cds").setVersionInfo("v" + i).build());
    }
    await().until(() -> got.items.size() == 50);
    assertThat(got.items.get(49).getVersionInfo()).isEqualTo("v49");
    assertThat(proxy.openStreams()).isEqualTo(1);

    // The server fails the stream: the local client sees it and the count drops.
    server.last().out.onError(Status.UNAVAILABLE.withDescription("bye").asRuntimeException());
    await().until(() -> got.error.get() != null);
    assertThat(Status.fromThrowable(got.error.get()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(server.failedOver).hasSize(1);
    await().until(() -> proxy.openStreams() == 0);
  }

  @Test
  void aLocalClientGoingAwayCancelsItsUpstreamStream() throws Exception {
    proxy.start(null, new InetSocketAddress("127.0.0.1", 0));
    client = Grpc.newChannelBuilder("127.0.0.1:" + proxy.port(), InsecureChannelCredentials.create()).build();
    var up = AggregatedDiscoveryServiceGrpc.newStub(client).streamAggregatedResources(new Received<>());
    up.onNext(DiscoveryRequest.newBuilder().setTypeUrl("lds").build());
    await().until(() -> server.streams.size() == 1);
    client.shutdownNow();
    await().until(() -> server.last().ended);
    await().until(() -> proxy.openStreams() == 0);
  }

  @Test
  void deltaStreamsAndSdsOnTheUnixSocket() throws Exception {
    Path certs = tmp.resolve("certs");
    Files.createDirectories(certs);
    Files.writeString(certs.resolve("cert-chain.pem"), "CHAIN");
    Files.writeString(certs.resolve("key.pem"), "KEY");
    Files.writeString(certs.resolve("root-cert.pem"), "ROOT");
    SdsService sds = new SdsService(certs.resolve("cert-chain.pem"), certs.resolve("key.pem"),
        certs.resolve("root-cert.pem"));
    sds.certificatesAvailable();
    Path socket = tmp.resolve("run/xds.sock");
    proxy.withLocalService(sds).start(socket, null);
    client = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();

    Received<DeltaDiscoveryResponse> delta = new Received<>();
    AggregatedDiscoveryServiceGrpc.newStub(client).deltaAggregatedResources(delta)
        .onNext(DeltaDiscoveryRequest.newBuilder().setNode(sneakyNode()).setTypeUrl("eds").build());
    await().until(() -> delta.items.size() == 1);
    assertThat(server.deltaRequests.get(0).getNode().getMetadata().getFieldsMap().get("NAMESPACE").getStringValue())
        .isEqualTo("vm");

    Received<DiscoveryResponse> secrets = new Received<>();
    var sdsStream = SecretDiscoveryServiceGrpc.newStub(client).streamSecrets(secrets);
    sdsStream.onNext(DiscoveryRequest.newBuilder().addResourceNames("default").addResourceNames("ROOTCA").build());
    await().until(() -> secrets.items.size() == 1);
    var first = secrets.items.get(0);
    assertThat(first.getResourcesCount()).isEqualTo(2);
    var secret = first.getResources(0).unpack(Secret.class);
    assertThat(secret.getTlsCertificate().getPrivateKey().getInlineBytes().toStringUtf8()).isEqualTo("KEY");
    // ACK: nothing new is sent; a renewal pushes the new files.
    sdsStream.onNext(DiscoveryRequest.newBuilder().addResourceNames("default").addResourceNames("ROOTCA")
        .setVersionInfo(first.getVersionInfo()).setResponseNonce(first.getNonce()).build());
    Files.writeString(certs.resolve("cert-chain.pem"), "CHAIN2");
    sds.certificatesChanged();
    await().until(() -> secrets.items.size() == 2);
    assertThat(secrets.items.get(1).getResources(0)
        .unpack(Secret.class).getTlsCertificate()
        .getCertificateChain().getInlineBytes().toStringUtf8()).isEqualTo("CHAIN2");
    assertThat(secrets.items).hasSize(2);

    // Unknown secrets are refused by name.
    Received<DiscoveryResponse> bad = new Received<>();
    SecretDiscoveryServiceGrpc.newStub(client).streamSecrets(bad)
        .onNext(DiscoveryRequest.newBuilder().addResourceNames("file-cert:/etc/shadow").build());
    await().until(() -> bad.error.get() != null);
    assertThat(bad.error.get()).hasMessageContaining("unknown secret");
  }

  @Test
  void refusesANonLoopbackAddress() {
    assertThatThrownBy(() -> proxy.start(null, new InetSocketAddress("0.0.0.0", 0)))
        .hasMessageContaining("loopback only");
  }
}
