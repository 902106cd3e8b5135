package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * When a real client rejects what vmesh sends, the client's own words reach the operator: a grpcio or
 * grpc-js client whose bootstrap has no certificate provider NACKs a cluster that asks for mTLS (its
 * endpoint has a service account), and {@code /debug/syncz}, {@code vmesh proxy-status} and
 * {@code vmesh_xds_nacks_total{type="cds"}} show it. A stream the server refuses (no node id) is listed
 * by {@code proxy-status} with the status its client got.
 */
class GrpcioAndGrpcJsNacksShowTheirCauseTest {
  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(XdsClientProgram.Kind.class)
  void aClusterTheClientCannotUseIsNackedAndItsCauseShows(XdsClientProgram.Kind kind) throws Exception {
    XdsClientProgram.install(kind);
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"),
        GrpcioAndGrpcJsClientsFollowTheRegistryTest.config(tmp)), Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      server.store().create(Resource.of(ObjectMeta.of("ns1", "secure-vm").withLabels(Map.of("app", "foo")),
          new WorkloadEntrySpec("127.0.0.2", Map.of("grpc", 9443), Map.of(), "", "", 0, "backend")));
      Path bootstrap = GrpcioAndGrpcJsClientsFollowTheRegistryTest.bootstrap(tmp, server, "plain", "");
      try (XdsClientProgram client = XdsClientProgram.start(kind, "xds:///svc1.internal.com:80", bootstrap, false,
          tmp)) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
          assertThat(client.round(1).failed()).isEqualTo(1);
          var proxy = server.xds().syncStatus().stream().filter(s -> s.proxy().id().contains("~plain.ns1~"))
              .findFirst();
          assertThat(proxy).as("the proxy in syncz").isPresent();
          var cds = proxy.get().types().get("cds");
          assertThat(cds).as("the proxy's CDS status (none until its first CDS request arrives)").isNotNull();
          assertThat(cds.nacks()).isPositive();
          assertThat(cds.lastNack()).containsIgnoringCase("certificate").contains("default");
        });
        String base = "http://127.0.0.1:" + server.httpAddress().getPort();
        try (HttpClient http = HttpClient.newHttpClient()) {
          assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body()).containsPattern("vmesh_xds_nacks_total\\{type=\"cds\"} [1-9]");
        }

        refuseAStreamWithoutNodeId(server);
        Cli status = Cli.run("proxy-status", "--server", base, "--token", server.adminToken());
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("~plain\\.ns1~.* NACKED")
            .containsPattern("CDS at \\S+: .*default")
            .contains("REFUSED lately").containsPattern("\\(no node id\\)-\\d+ bad_node INVALID_ARGUMENT: first "
                + "request: node.id is empty");
      }
    }
  }

  private static void refuseAStreamWithoutNodeId(VmeshServer server) throws InterruptedException {
    ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", server.xdsPort(0),
        InsecureChannelCredentials.create()).build();
    try {
      var ended = new CountDownLatch(1);
      AggregatedDiscoveryServiceGrpc.newStub(ch).streamAggregatedResources(new StreamObserver<>() {
        @Override
        public void onNext(DiscoveryResponse r) {}

        @Override
        public void onError(Throwable t) {
          ended.countDown();
        }

        @Override
        public void onCompleted() {
          ended.countDown();
        }
      }).onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
          .setNode(Node.getDefaultInstance()).build());
      assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      ch.shutdownNow();
    }
  }
}
