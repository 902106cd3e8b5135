package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import dev.vmesh.agent.Agent;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.xds.XdsChannelCredentials;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A VM as a user would run it: onboarding files from the CLI, the agent (in this JVM), and a
 * proxyless gRPC app that knows only the agent's bootstrap file. The app's xDS stream goes over the
 * agent's unix socket and mTLS connection; its calls to the mesh service go to the VM's own
 * registered endpoint with mTLS from the agent's certificate files, and the backend sees the VM's
 * SPIFFE id. The agent's readiness, status and metrics pages say what happened.
 */
class ProxylessAppOnAVmTest {
  @TempDir
  Path tmp;

  @Test
  void anAppWithTheAgentsBootstrapReachesTheMeshWithTheVmsIdentity() throws Exception {
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      String base = "http://127.0.0.1:" + server.httpAddress().getPort();
      int appPort = VmeshProcess.freePort();
      Path mesh = tmp.resolve("mesh.yaml");
      Files.writeString(mesh, """
          apiVersion: networking.istio.io/v1
          kind: WorkloadGroup
          metadata: {name: echo, namespace: vm}
          spec:
            metadata: {labels: {app: echo}}
            template: {serviceAccount: echo, ports: {grpc: %d}}
          ---
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: echo, namespace: vm}
          spec:
            hosts: [echo.vm.example.com]
            location: MESH_INTERNAL
            ports: [{number: 80, name: grpc, protocol: GRPC}]
            resolution: STATIC
            workloadSelector: {labels: {app: echo}}
          """.formatted(appPort));
      Cli apply = Cli.run("apply", "-f", mesh.toString(), "--server", base, "--token", server.adminToken());
      assertThat(apply.exit()).as(apply.err()).isZero();
      Path etc = tmp.resolve("etc");
      Cli configure = Cli.run("workload", "entry", "configure", "--name", "echo", "-n", "vm", "-o", etc.toString(),
          "--autoregister", "--internal-ip", "127.0.0.2", "--discovery-address", "127.0.0.1:" + server.xdsPort(1),
          "--server", base, "--token", server.adminToken());
      assertThat(configure.exit()).as(configure.err()).isZero();

      AgentConfig config = AgentConfig.load(new AgentConfig.Paths(etc, tmp.resolve("state"), tmp.resolve("run")),
          Map.of(), null);
      Agent agent = Agent.start(new Agent.Options(config, new InetSocketAddress("127.0.0.2", 0),
          new InetSocketAddress("127.0.0.2", 0), config.paths().xdsSocket(), null, null, false, Duration.ofHours(1),
          "test", null, null), Clock.systemUTC());
      Server backend = null;
      ManagedChannel app = null;
      try {
        agent.started().get(60, TimeUnit.SECONDS);
        Path certs = config.paths().certDir();
        backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.2", appPort),
            TlsServerCredentials.newBuilder().keyManager(certs.resolve("cert-chain.pem").toFile(),
                certs.resolve("key.pem").toFile()).trustManager(certs.resolve("root-cert.pem").toFile())
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
            .addService(ProxylessMutualTlsTest.whoCalled()).build().start();

        String readiness = "http://127.0.0.2:" + agent.status().readinessAddress().getPort() + "/healthz/ready";
        await().atMost(Duration.ofSeconds(30)).until(() -> get(readiness).statusCode() == 200);

        // The app: nothing but the bootstrap file the agent wrote.
        System.setProperty("io.grpc.xds.bootstrap", config.paths().grpcBootstrap().toString());
        assertThat(Files.readString(config.paths().grpcBootstrap())).contains("unix://" + config.paths().xdsSocket())
            .doesNotContain("AUTO_REGISTER_GROUP");
        app = Grpc.newChannelBuilder("xds:///echo.vm.example.com:80",
            XdsChannelCredentials.create(InsecureChannelCredentials.create())).build();
        ManagedChannel ch = app;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> Backends.who(ch) != null);
        assertThat(Backends.who(app)).isEqualTo("spiffe://cluster.local/ns/vm/sa/echo");

        String status = "http://127.0.0.2:" + agent.status().statusAddress().getPort();
        assertThat(get(status + "/debug/status").body()).contains("\"ready\" : true",
            "spiffe://cluster.local/ns/vm/sa/echo", "\"connected\" : true");
        assertThat(get(status + "/metrics").body()).contains("vmesh_agent_xds_connected 1.0",
            "vmesh_agent_local_xds_streams 1.0", "vmesh_agent_certificate_expiry_seconds");
        // The server sees two streams from this VM: the agent's (registering it) and the app's.
        assertThat(server.store().get(new dev.vmesh.api.ResourceKey(dev.vmesh.api.Kind.WORKLOAD_ENTRY, "vm",
            "echo-127.0.0.2"))).isPresent();

        // Envoy's bootstrap is a valid Bootstrap pointing at the same socket for ADS and SDS.
        Bootstrap.Builder envoy = Bootstrap.newBuilder();
        JsonFormat.parser().usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
            .add(HttpProtocolOptions.getDescriptor()).build())
            .merge(Files.readString(config.paths().envoyBootstrap()), envoy);
        assertThat(envoy.getStaticResources().getClustersList()).extracting(c -> c.getName())
            .containsExactly("xds-grpc", "sds-grpc");
        assertThat(envoy.getStaticResources().getClusters(1).getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
            .getEndpoint().getAddress().getPipe().getPath()).isEqualTo(config.paths().xdsSocket().toString());
        assertThat(envoy.getNode().getMetadata().getFieldsMap()).doesNotContainKey("AUTO_REGISTER_GROUP");
      } finally {
        System.clearProperty("io.grpc.xds.bootstrap");
        if (app != null) {
          app.shutdownNow();
        }
        if (backend != null) {
          backend.shutdownNow();
        }
        agent.close();
      }
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }
}
