package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.store.etcd.EtcdServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd stops for 30 seconds under a running server with a connected agent: proxies, also new ones,
 * keep getting the last known endpoints; the VM's entry is not deleted; API writes fail with a message
 * naming etcd; when etcd is back, writes work again and the server's watches pick up new objects.
 */
class ServerRidesOutAnEtcdOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String CLUSTER = "outbound|80||web.vm.example.com";
  private static final String SES = "/apis/networking.istio.io/v1/namespaces/vm/serviceentries";
  /** The ServiceEntry created during the outage (refused) and after it. */
  private static final String LATER = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: later}
      spec:
        hosts: [later.vm.example.com]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      """;

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @TempDir
  Path tmp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<VmeshProcess> running = new ArrayList<>();
  private int httpPort;
  private int xdsPort;
  private int plaintextPort;
  private String token;

  @AfterEach
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    http.close();
  }

  private HttpResponse<String> request(String method, String path, String yaml) throws Exception {
    return AdminCalls.request(http, httpPort, token, method, path, yaml);
  }

  /** The endpoint addresses a new proxy gets for the web service over plaintext ADS. */
  private List<String> endpointsForANewProxy() throws Exception {
    ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", plaintextPort).usePlaintext().build();
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
      req.onNext(DiscoveryRequest.newBuilder().setTypeUrl("type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment")
          .addResourceNames(CLUSTER).setNode(Node.newBuilder().setId("sidecar~10.9.9.9~client.vm~vm.svc.cluster.local"))
          .build());
      DiscoveryResponse r = responses.poll(10, TimeUnit.SECONDS);
      List<String> out = new ArrayList<>();
      if (r != null) {
        for (var any : r.getResourcesList()) {
          ClusterLoadAssignment cla = any.unpack(ClusterLoadAssignment.class);
          cla.getEndpointsList().forEach(l -> l.getLbEndpointsList().forEach(e ->
              out.add(e.getEndpoint().getAddress().getSocketAddress().getAddress())));
        }
      }
      req.onCompleted();
      return out;
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void proxiesKeepTheirConfigNothingIsDeletedAndWritesResume() throws Exception {
    Path key = WebVms.secretsKey(tmp);
    httpPort = VmeshProcess.freePort();
    xdsPort = VmeshProcess.freePort();
    plaintextPort = VmeshProcess.freePort();
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("web.yaml"), WebVms.MESH);
    VmeshProcess server = new VmeshProcess("server", tmp, "server", "--store", "etcd://127.0.0.1:" + etcd.clientPort(),
        "--etcd-prefix", "/outage/", "--etcd-timeout", "2s", "--secrets-key-file", key.toString(),
        "--data-dir", tmp.resolve("data").toString(), "--config", config.toString(),
        "--http-address", "127.0.0.1:" + httpPort, "--xds-address", "127.0.0.1:" + xdsPort,
        "--xds-plaintext-address", "127.0.0.1:" + plaintextPort, "--workload-grace-period", "2s").start();
    running.add(server);
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + httpPort + "/ready")).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode()).as(server.output()).isEqualTo(200));
    token = Files.readString(tmp.resolve("data/admin-token")).trim();

    VmeshProcess agent = WebVms.agent(tmp, "vm", "127.0.0.2", "127.0.0.1:" + xdsPort, "http://127.0.0.1:" + httpPort,
        token);
    running.add(agent);
    await().atMost(WAIT).untilAsserted(() -> assertThat(endpointsForANewProxy()).as(agent.output())
        .containsExactly("127.0.0.2"));
    Resource entry = ResourceDecoder.decodeOne("we.json",
        request("GET", "/apis/networking.istio.io/v1/namespaces/vm/workloadentries/web-127.0.0.2", null).body());

    etcd.stop();
    // For 30 s without etcd: a new proxy still gets the endpoint; writes fail saying why.
    await().during(Duration.ofSeconds(30)).atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofSeconds(2))
        .untilAsserted(() -> assertThat(endpointsForANewProxy()).containsExactly("127.0.0.2"));
    var refused = request("POST", SES, LATER);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("etcd at http://127.0.0.1:" + etcd.clientPort());

    etcd.start();
    // Writes work again, the server's watch sees them, and the VM's entry is the one it had.
    await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      var created = request("POST", SES, LATER);
      assertThat(created.statusCode()).as(created.body()).isIn(201, 409);
    });
    await().atMost(Duration.ofSeconds(150)).untilAsserted(() -> assertThat(request("GET", "/debug/registryz", null)
        .body()).contains("later.vm.example.com"));
    Resource after = ResourceDecoder.decodeOne("we.json",
        request("GET", "/apis/networking.istio.io/v1/namespaces/vm/workloadentries/web-127.0.0.2", null).body());
    assertThat(after.metadata().uid()).isEqualTo(entry.metadata().uid());
    assertThat(endpointsForANewProxy()).containsExactly("127.0.0.2");
  }
}
