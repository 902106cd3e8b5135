package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.CallCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A started server with its TLS port, and what a test needs to talk to it: tokens, ADS streams, HTTP. */
final class TlsServer implements AutoCloseable {
  final VmeshServer server;
  final ManagedChannel channel;
  private final Path data;

  TlsServer(Path tmp, String configYaml) throws Exception {
    this(tmp, configYaml, o -> o);
  }

  /** A server on {@link ServerOptions#local} options as {@code options} changes them. */
  TlsServer(Path tmp, String configYaml, UnaryOperator<ServerOptions> options) throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("mesh.yaml"), configYaml);
    data = tmp.resolve("data");
    server = VmeshServer.start(options.apply(ServerOptions.local(data, config)), Clock.systemUTC());
    assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
    channel = newChannel();
  }

  /** Another channel (its own TCP connection) to the TLS port, trusting the server's root. */
  ManagedChannel newChannel() throws IOException {
    var creds = TlsChannelCredentials.newBuilder().trustManager(data.resolve("ca/root-cert.pem").toFile()).build();
    return Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(1), creds)
        .overrideAuthority("istiod.istio-system.svc").build();
  }

  Path dataDir() {
    return data;
  }

  /** A bootstrap token from the admin API. */
  String token(String namespace, String serviceAccount, boolean singleUse) throws Exception {
    String body = "{\"namespace\": \"" + namespace + "\", \"serviceAccount\": \"" + serviceAccount
        + "\", \"ttlSeconds\": 3600, \"singleUse\": " + singleUse + "}";
    var response = http("POST", "/admin/tokens", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    var m = (SourceNode.MapNode) SourceParser.parseJson("token", response.body()).documents().get(0);
    return ((SourceNode.Scalar) m.fields().get("token").value()).text();
  }

  HttpResponse<String> http(String method, String path, String body) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path))
          .header("Authorization", "Bearer " + server.adminToken())
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
          .build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  /** A node with string metadata. */
  static Node node(String id, Map<String, String> metadata) {
    Struct.Builder md = Struct.newBuilder();
    metadata.forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
    return Node.newBuilder().setId(id).setMetadata(md).build();
  }

  /** Opens an ADS stream with {@code token} and asks for every cluster. */
  Stream cds(String token, Node node) {
    Stream s = new Stream();
    s.requests = AggregatedDiscoveryServiceGrpc.newStub(channel).withCallCredentials(bearer(token))
        .streamAggregatedResources(s);
    s.requests.onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
        .setNode(node).build());
    return s;
  }

  /** One ADS stream: what came back, and how it ended. */
  static final class Stream implements StreamObserver<DiscoveryResponse> {
    final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    volatile Throwable error;
    StreamObserver<DiscoveryRequest> requests;

    @Override
    public void onNext(DiscoveryResponse r) {
      responses.add(r);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}

    DiscoveryResponse next() throws InterruptedException {
      DiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("a response within 10 s (error: %s)", error).isNotNull();
      return r;
    }
  }

  static CallCredentials bearer(String token) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        applier.apply(m);
      }
    };
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
  }
}
