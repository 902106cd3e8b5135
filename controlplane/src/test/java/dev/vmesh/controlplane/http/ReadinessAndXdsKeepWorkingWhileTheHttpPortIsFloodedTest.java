package dev.vmesh.controlplane.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.http.HttpLimits;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slowloris attack on 15014 (a thousand connections from twenty addresses, each sending half a request
 * and then nothing) holds at most the port's connection cap of the server's file descriptors; meanwhile
 * readiness and metrics still answer other clients, and xDS on 15012 and 15010 keeps serving.
 */
class ReadinessAndXdsKeepWorkingWhileTheHttpPortIsFloodedTest {
  static final int CAP = 64;
  static final int ATTACKERS = 20;
  static final int CONNECTIONS_EACH = 50;

  @TempDir
  Path tmp;

  @Test
  void aSlowlorisFloodTakesNoMoreThanTheCapAndOthersAreStillServed() throws Exception {
    ServerOptions o = ServerOptions.local(tmp.resolve("data"), null)
        .withHttpLimits(HttpLimits.SERVER.withConnections(CAP, 16));
    List<Socket> attack = new ArrayList<>();
    try (VmeshServer server = VmeshServer.start(o, Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      for (int a = 1; a <= ATTACKERS; a++) {
        for (int i = 0; i < CONNECTIONS_EACH; i++) {
          Socket s = new Socket();
          s.bind(new InetSocketAddress(InetAddress.getByName("127.0.1." + a), 0));
          s.connect(server.httpAddress(), 5_000);
          OutputStream out = s.getOutputStream();
          out.write("GET /ready HTTP/1.1\r\nHost: vmesh\r\n".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          attack.add(s);
        }
      }

      for (int probe = 0; probe < 5; probe++) {
        assertThat(get(server, "127.0.2." + probe, "/ready").statusCode()).isEqualTo(200);
      }
      String metrics = get(server, "127.0.3.1", "/metrics").body();
      assertThat(open(metrics)).isLessThanOrEqualTo(CAP);
      assertThat(metrics).contains("vmesh_http_connections_refused_total{port=\"http\",reason=\"client_capacity\"}");

      assertThat(cdsOverPlaintext(server)).isNotNull();
      assertThat(adsOverTlsWithoutCredentials(server)).contains("UNAUTHENTICATED");
    } finally {
      for (Socket s : attack) {
        s.close();
      }
    }
  }

  static HttpResponse<String> get(VmeshServer s, String from, String path) throws Exception {
    try (HttpClient c = HttpClient.newBuilder().localAddress(InetAddress.getByName(from))
        .connectTimeout(Duration.ofSeconds(10)).build()) {
      return c.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpAddress().getPort() + path))
          .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  static int open(String metrics) {
    Matcher m = Pattern.compile("vmesh_http_connections\\{port=\"http\"} ([0-9.]+)").matcher(metrics);
    assertThat(m.find()).as(metrics).isTrue();
    return (int) Double.parseDouble(m.group(1));
  }

  static DiscoveryResponse cdsOverPlaintext(VmeshServer server) throws InterruptedException {
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(0),
        InsecureChannelCredentials.create()).build();
    try {
      var responses = new LinkedBlockingQueue<DiscoveryResponse>();
      AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryResponse r) {
          responses.add(r);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      }).onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
          .setNode(Node.newBuilder().setId("sidecar~10.0.0.9~vm.ns1~ns1.svc.cluster.local")).build());
      return responses.poll(20, TimeUnit.SECONDS);
    } finally {
      ch.shutdownNow();
    }
  }

  String adsOverTlsWithoutCredentials(VmeshServer server) throws IOException {
    var creds = TlsChannelCredentials.newBuilder().trustManager(tmp.resolve("data/ca/root-cert.pem").toFile()).build();
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(1), creds)
        .overrideAuthority("istiod.istio-system.svc").build();
    try {
      var refused = new AtomicReference<Throwable>();
      AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryResponse r) {}

        @Override
        public void onError(Throwable t) {
          refused.set(t);
        }

        @Override
        public void onCompleted() {}
      }).onNext(DiscoveryRequest.newBuilder().setNode(Node.newBuilder().setId("probe")).build());
      await().atMost(Duration.ofSeconds(20)).until(() -> refused.get() != null);
      return refused.get().getMessage();
    } finally {
      ch.shutdownNow();
    }
  }
}
