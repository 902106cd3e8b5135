package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each package, installed on a bare Debian 12 ({@link Debian12Root}) and run there with chroot inside a
 * network namespace ({@link NetnsLink}), joins a mesh across the veth pair with the other side on this
 * host: the agent package's agent registers its VM with a server outside and answers a mesh name from its
 * DNS proxy; the server package's server takes the registration of an agent outside and feeds its DNS
 * proxy. Both run on the runtimes the packages carry; the host side runs the jars on the build's JDK.
 */
class PackagesJoinAMeshFromADebian12ChrootIT {
  private static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web, namespace: vm}
      spec:
        metadata: {labels: {app: web}}
        template: {serviceAccount: web}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: db, namespace: vm}
      spec:
        hosts: [db.mesh.internal]
        addresses: [10.77.0.9]
        ports: [{number: 5432, name: tcp, protocol: TCP}]
        location: MESH_INTERNAL
        resolution: STATIC
        endpoints: [{address: 10.200.0.1}]
      """;
  private static final String ENTRIES = "/apis/networking.istio.io/v1/namespaces/vm/workloadentries";
  private static final Duration PATIENCE = Duration.ofMinutes(3);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void theAgentPackageRegistersWithAServerOutsideAndAnswersMeshNames() throws Exception {
    Path work = Packages.freshDir("it-mesh-agent-package");
    try (Debian12Root root = Debian12Root.fresh("agent-mesh"); NetnsLink link = NetnsLink.create()) {
      root.install(Packages.agentDeb());
      Path mesh = Files.createDirectories(work.resolve("mesh"));
      Files.writeString(mesh.resolve("mesh.yaml"), MESH);
      String server = link.hostIp();
      try (Background s = Background.start(work.resolve("server.log"), hostJava(Packages.shadedJar(), "server",
          "--config", mesh.toString(), "--data-dir", work.resolve("data").toString(), "--http-address",
          server + ":15014", "--xds-address", server + ":15012", "--server-name", server), null)) {
        Path token = awaitReady(s, server, work.resolve("data/admin-token"));
        onboard(link.nsIp(), server, token, root.dir().resolve("etc/vmesh"));
        Files.writeString(root.dir().resolve("etc/resolv.conf"), "nameserver " + server + "\n");

        String vm = link.nsIp();
        List<String> agent = link.exec("chroot", root.dir().toString(), "/usr/bin/vmesh", "agent", "--dns", "on",
            "--dns-listen", vm + ":15053", "--status-address", vm + ":15020", "--readiness-address", vm + ":15021");
        try (Background a = Background.start(work.resolve("agent.log"), agent, Debian12Root.ENV)) {
          await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(a.isAlive()).as("the agent in the chroot exited:%n%s", a.output()).isTrue();
            assertThat(get(server, ENTRIES, token)).as("entries; agent:%n%s", a.output()).contains(vm);
          });
          await().atMost(PATIENCE).untilAsserted(() -> assertThat(
              DnsClient.a(new InetSocketAddress(vm, 15053), "db.mesh.internal")).as("agent:%n%s", a.output())
              .containsExactly("10.77.0.9"));
          assertThat(a.output()).contains("event=xds_connected");
          // the agent's jar has no Prometheus protobuf writer: a scraper asking for protobuf gets text
          HttpResponse<String> stats = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + vm + ":15020/stats/prometheus"))
              .header("Accept", "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited")
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(stats.statusCode()).as(stats.body()).isEqualTo(200);
          assertThat(stats.body()).contains("vmesh_agent_");
        }
      }
    }
  }

  @Test
  void theServerPackageTakesTheRegistrationOfAnAgentOutside() throws Exception {
    Path work = Packages.freshDir("it-mesh-server-package");
    try (Debian12Root root = Debian12Root.fresh("server-mesh"); NetnsLink link = NetnsLink.create()) {
      root.install(Packages.deb());
      Files.writeString(root.dir().resolve("etc/vmesh/server.d/mesh.yaml"), MESH);
      String server = link.nsIp();
      List<String> serve = link.exec("chroot", root.dir().toString(), "/usr/bin/vmesh", "server", "--config",
          "/etc/vmesh/server.d", "--data-dir", "/var/lib/vmesh", "--http-address", server + ":15014",
          "--xds-address", server + ":15012", "--server-name", server);
      try (Background s = Background.start(work.resolve("server.log"), serve, Debian12Root.ENV)) {
        Path token = awaitReady(s, server, root.dir().resolve("var/lib/vmesh/admin-token"));
        String vm = link.hostIp();
        Path config = work.resolve("vm");
        onboard(vm, server, token, config);
        Files.writeString(work.resolve("resolv.conf"), "nameserver " + server + "\n");
        try (Background a = Background.start(work.resolve("agent.log"), hostJava(Packages.agentJar(), "agent",
            "--config-dir", config.toString(), "--state-dir", work.resolve("state").toString(), "--run-dir",
            work.resolve("run").toString(), "--resolv-conf", work.resolve("resolv.conf").toString(), "--dns", "on",
            "--dns-listen", vm + ":15053", "--status-address", vm + ":15020", "--readiness-address", vm + ":15021"),
            null)) {
          await().atMost(PATIENCE).untilAsserted(() -> {
            assertThat(s.isAlive()).as("the server in the chroot exited:%n%s", s.output()).isTrue();
            assertThat(get(server, ENTRIES, token)).as("entries; agent:%n%s", a.output()).contains(vm);
          });
          await().atMost(PATIENCE).untilAsserted(() -> assertThat(
              DnsClient.a(new InetSocketAddress(vm, 15053), "db.mesh.internal")).as("agent:%n%s", a.output())
              .containsExactly("10.77.0.9"));
        }
      }
    }
  }

  /** Waits for the server's /ready and its admin token; returns the token's file. */
  private static Path awaitReady(Background server, String host, Path token) {
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      assertThat(server.isAlive()).as("the server exited:%n%s", server.output()).isTrue();
      assertThat(token).isRegularFile();
      assertThat(status(host, "/ready")).isEqualTo(200);
    });
    return token;
  }

  /** {@code vmesh workload entry configure} for an auto-registering VM at {@code vmIp}, files into {@code out}. */
  private static void onboard(String vmIp, String server, Path token, Path out) throws Exception {
    List<String> argv = hostJava(Packages.shadedJar(), "workload", "entry", "configure", "--name", "web", "-n", "vm",
        "--autoregister", "--internal-ip", vmIp, "-o", out.toString(), "--discovery-address", server + ":15012",
        "--server", "http://" + server + ":15014", "--token-file", token.toString());
    Packages.runOk(argv);
    assertThat(out.resolve("cluster.env")).isRegularFile();
  }

  /** A jar run on the JDK that runs this test. */
  private static List<String> hostJava(Path jar, String... args) {
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC",
        "-jar", jar.toString()));
    argv.addAll(List.of(args));
    return argv;
  }

  private static int status(String host, String path) {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":15014" + path))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private static String get(String host, String path, Path token) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + ":15014" + path))
        .header("Authorization", "Bearer " + Files.readString(token).strip()).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }
}
