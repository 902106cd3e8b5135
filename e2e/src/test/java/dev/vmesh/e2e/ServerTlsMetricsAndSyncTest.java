package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsMetricsAndSyncTest {
  @TempDir
  Path tmp;

  @Test
  void tlsXdsWithTheMeshRootThenMetricsSyncAndProxyStatusShowTheClient() throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.copy(Path.of("../examples/mesh/svc1.yaml"), config.resolve("svc1.yaml"));
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), config), Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      assertThat(Files.getPosixFilePermissions(tmp.resolve("data/ca/ca-key.pem")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");
      assertThat(Files.getPosixFilePermissions(tmp.resolve("data/admin-token")).toString()).isEqualTo("[OWNER_READ, OWNER_WRITE]");

      var creds = TlsChannelCredentials.newBuilder().trustManager(tmp.resolve("data/ca/root-cert.pem").toFile()).build();
      ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(1), creds)
          .overrideAuthority("istiod.istio-system.svc").build();
      Cli token = Cli.run("token", "create", "-n", "ns1", "-s", "vm", "--server", "http://127.0.0.1:"
          + server.httpAddress().getPort(), "--token", server.adminToken());
      assertThat(token.exit()).as(token.err()).isZero();
      String bootstrap = token.out().trim();
      try {
        var responses = new LinkedBlockingQueue<DiscoveryResponse>();
        // without credentials the TLS port refuses xDS
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
        }).onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
            .setNode(Node.newBuilder().setId("intruder")).build());
        await().atMost(Duration.ofSeconds(30)).until(() -> refused.get() != null);
        assertThat(refused.get()).hasMessageContaining("UNAUTHENTICATED: no credentials");

        StreamObserver<DiscoveryRequest> req = AggregatedDiscoveryServiceGrpc.newStub(ch)
            .withCallCredentials(new BearerToken(bootstrap)).streamAggregatedResources(
            new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryResponse r) {
                responses.add(r);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
        req.onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
            .setNode(Node.newBuilder().setId("sidecar~10.0.0.9~vm.ns1~ns1.svc.cluster.local")
                .setMetadata(Struct.newBuilder().putFields("LABELS", Value.newBuilder().setStructValue(
                    Struct.newBuilder().putFields("app", Value.newBuilder().setStringValue("x").build())).build())))
            .build());
        DiscoveryResponse cds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(cds).isNotNull();
        assertThat(cds.getResourcesCount()).isGreaterThanOrEqualTo(3); // svc1 + BlackHole + Passthrough
        req.onNext(DiscoveryRequest.newBuilder().setTypeUrl(cds.getTypeUrl()).setResponseNonce(cds.getNonce())
            .setVersionInfo(cds.getVersionInfo()).build());

        String base = "http://127.0.0.1:" + server.httpAddress().getPort();
        try (HttpClient http = HttpClient.newHttpClient()) {
          String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          assertThat(metrics).contains("vmesh_xds_connected_proxies{protocol=\"sotw\"} 1.0")
              .contains("vmesh_config_objects{kind=\"ServiceEntry\"} 1.0")
              .contains("vmesh_xds_pushes_total{type=\"cds\"}")
              .contains("jvm_memory_used_bytes");
          await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(http.send(HttpRequest.newBuilder(
              URI.create(base + "/debug/syncz")).build(), HttpResponse.BodyHandlers.ofString()).body())
              .contains("\"namespace\" : \"ns1\"").contains("\"ip\" : \"10.0.0.9\"").contains("\"app\" : \"x\"")
              .contains("\"identity\" : \"spiffe://cluster.local/ns/ns1/sa/vm\""));
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Cli.run("proxy-status", "--server",
            base, "--token", server.adminToken()).out()).containsPattern("sidecar~10.0.0.9.* sotw +ns1 +10.0.0.9 +SYNCED"));
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
