package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh proxy-config} (the server's {@code /debug/config_dump?proxy=}) shows a connected proxy's
 * clusters as they were sent: found by node id, listed with their versions, and in full with -o json;
 * a proxy that is not connected is named in the answer.
 */
class ProxyConfigShowsWhatTheServerSentAProxyTest {
  private static final String NODE = "sidecar~10.0.0.9~vm.ns1~ns1.svc.cluster.local";

  @TempDir
  Path tmp;

  @Test
  void clustersSentToAProxyAreListedAndDumped() throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.copy(Path.of("../examples/mesh/svc1.yaml"), config.resolve("svc1.yaml"));
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), config), Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", server.xdsPort(0)).usePlaintext().build();
      try {
        var responses = new LinkedBlockingQueue<DiscoveryResponse>();
        StreamObserver<DiscoveryRequest> req = AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(
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
            .setNode(Node.newBuilder().setId(NODE)).build());
        DiscoveryResponse cds = responses.poll(10, TimeUnit.SECONDS);
        assertThat(cds).isNotNull();
        req.onNext(DiscoveryRequest.newBuilder().setTypeUrl(cds.getTypeUrl()).setResponseNonce(cds.getNonce())
            .setVersionInfo(cds.getVersionInfo()).build());
        String[] conn = {"--server", "http://127.0.0.1:" + server.httpAddress().getPort(), "--token",
            server.adminToken()};

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          Cli table = Cli.run(args(conn, "proxy-config", NODE));
          assertThat(table.exit()).as(table.err()).isZero();
          assertThat(table.out()).startsWith("proxy " + NODE + " (connection ")
              .containsPattern("cds +outbound\\|80\\|\\|svc1.internal.com +[0-9a-f]{16} +yes")
              .containsPattern("cds +BlackHoleCluster ");
        });
        Cli json = Cli.run(args(conn, "proxy-config", "10.0.0.9", "-o", "json"));
        assertThat(json.out()).contains("\"proxy\": \"" + NODE + "\"")
            .contains("\"@type\": \"type.googleapis.com/envoy.config.cluster.v3.Cluster\"")
            .contains("\"name\": \"outbound|80||svc1.internal.com\"").contains("\"current\": true");

        Cli unknown = Cli.run(args(conn, "proxy-config", "sidecar~10.9.9.9~nobody.ns1~ns1.svc.cluster.local"));
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("no connected proxy is \"sidecar~10.9.9.9~nobody.ns1~ns1.svc.cluster.local\";"
            + " vmesh proxy-status lists the connected proxies and their ids");
        req.onCompleted();
      } finally {
        ch.shutdownNow();
      }
    }
  }

  private static String[] args(String[] conn, String... command) {
    return Stream.concat(Arrays.stream(command), Arrays.stream(conn))
        .toArray(String[]::new);
  }
}
