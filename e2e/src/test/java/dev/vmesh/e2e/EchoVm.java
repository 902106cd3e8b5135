package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.Agent;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.controlplane.VmeshServer;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
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

/**
 * A VM onboarded as a user would do it, at 127.0.0.2: the WorkloadGroup {@code echo} (namespace
 * {@code vm}, service account {@code echo}) and the ServiceEntry {@code echo.vm.example.com:80} applied
 * with the CLI, onboarding files from {@code workload entry configure --autoregister}, the agent (in
 * this JVM) registered and ready, and a gRPC backend on the VM that requires a mesh client certificate
 * (the agent's files) and answers with the caller's SPIFFE id (or another {@link Backend}). Proxyless apps
 * on the VM need nothing but {@link #grpcBootstrap()}.
 */
final class EchoVm implements AutoCloseable {
  static final String HOST_PORT = "echo.vm.example.com:80";
  static final String IDENTITY = "spiffe://cluster.local/ns/vm/sa/echo";

  final AgentConfig config;
  final Agent agent;
  /** The port the VM's application serves on 127.0.0.2 (the group's {@code grpc} port). */
  final int appPort;
  private final Stop backend;

  private EchoVm(AgentConfig config, Agent agent, int appPort, Stop backend) {
    this.config = config;
    this.agent = agent;
    this.appPort = appPort;
    this.backend = backend;
  }

  /** The VM's application: a gRPC server on {@code 127.0.0.2:port} answering who called; returns how to stop it. */
  interface Backend {
    Stop start(AgentConfig config, int port) throws Exception;
  }

  /** Stops a {@link Backend}. */
  interface Stop {
    void stop();
  }

  /** The default application: a plain gRPC server requiring a mesh client certificate (the agent's files). */
  static Stop tlsBackend(AgentConfig config, int port) throws Exception {
    Path certs = config.paths().certDir();
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.2", port),
        TlsServerCredentials.newBuilder().keyManager(certs.resolve("cert-chain.pem").toFile(),
            certs.resolve("key.pem").toFile()).trustManager(certs.resolve("root-cert.pem").toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .addService(ProxylessMutualTlsTest.whoCalled()).build().start();
    return s::shutdownNow;
  }

  static EchoVm start(VmeshServer server, Path dir) throws Exception {
    return start(server, dir, EchoVm::tlsBackend);
  }

  static EchoVm start(VmeshServer server, Path dir, Backend app) throws Exception {
    String base = "http://127.0.0.1:" + server.httpAddress().getPort();
    int appPort = VmeshProcess.freePort();
    Path mesh = dir.resolve("mesh.yaml");
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
    Path etc = dir.resolve("etc");
    Cli configure = Cli.run("workload", "entry", "configure", "--name", "echo", "-n", "vm", "-o", etc.toString(),
        "--autoregister", "--internal-ip", "127.0.0.2", "--discovery-address", "127.0.0.1:" + server.xdsPort(1),
        "--server", base, "--token", server.adminToken());
    assertThat(configure.exit()).as(configure.err()).isZero();

    AgentConfig config = AgentConfig.load(new AgentConfig.Paths(etc, dir.resolve("state"), dir.resolve("run")),
        Map.of(), null);
    Agent agent = Agent.start(new Agent.Options(config, new InetSocketAddress("127.0.0.2", 0),
        new InetSocketAddress("127.0.0.2", 0), config.paths().xdsSocket(), null, null, false, Duration.ofHours(1),
        "test", null, null), Clock.systemUTC());
    Stop backend = null;
    try {
      agent.started().get(60, TimeUnit.SECONDS);
      backend = app.start(config, appPort);
      EchoVm vm = new EchoVm(config, agent, appPort, backend);
      await().atMost(Duration.ofSeconds(30)).until(() -> get(vm.readinessUrl()).statusCode() == 200);
      return vm;
    } catch (Exception | AssertionError e) {
      if (backend != null) {
        backend.stop();
      }
      agent.close();
      throw e;
    }
  }

  /** The gRPC xDS bootstrap the agent wrote for apps on the VM. */
  Path grpcBootstrap() {
    return config.paths().grpcBootstrap();
  }

  String readinessUrl() {
    return "http://127.0.0.2:" + agent.status().readinessAddress().getPort() + "/healthz/ready";
  }

  String statusUrl() {
    return "http://127.0.0.2:" + agent.status().statusAddress().getPort();
  }

  static HttpResponse<String> get(String url) throws Exception {
    try (HttpClient c = HttpClient.newHttpClient()) {
      return c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  @Override
  public void close() {
    backend.stop();
    agent.close();
  }
}
