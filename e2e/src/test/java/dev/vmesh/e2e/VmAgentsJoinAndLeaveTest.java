package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole VM story with real processes: a server, onboarding files from the CLI, two agents (their
 * own JVMs) on 127.0.0.2 and 127.0.0.3 in front of small HTTP apps, auto-registration, probe failure
 * and recovery, SIGTERM and SIGKILL of agents, and a server restart.
 */
class VmAgentsJoinAndLeaveTest {
  @TempDir
  Path tmp;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  VmeshProcess server;
  int httpPort;
  int xdsPort;
  String token;
  App appA;
  App appB;
  int dnsPort;

  /** A workload on a VM: /healthz answers 200 or 503 as the test says. */
  static final class App implements AutoCloseable {
    final AtomicBoolean healthy = new AtomicBoolean(true);
    final HttpServer server;

    App(String ip, int port) throws Exception {
      server = HttpServer.create(new InetSocketAddress(ip, port), 16);
      server.createContext("/healthz", ex -> {
        int code = healthy.get() ? 200 : 503;
        ex.sendResponseHeaders(code, -1);
        ex.close();
      });
      server.start();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    httpPort = VmeshProcess.freePort();
    dnsPort = VmeshProcess.freePort();
    xdsPort = VmeshProcess.freePort();
    server = startServer("2s");
    int appPort = VmeshProcess.freePort();
    appA = new App("127.0.0.2", appPort);
    appB = new App("127.0.0.3", appPort);
    Path mesh = tmp.resolve("mesh.yaml");
    Files.writeString(mesh, """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: web, namespace: vm}
        spec:
          metadata:
            labels: {app: web}
          template:
            serviceAccount: web
            ports: {http: %d}
          probe:
            periodSeconds: 1
            failureThreshold: 1
            httpGet: {path: /healthz, port: %d}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: web, namespace: vm}
        spec:
          hosts: [web.vm.example.com]
          location: MESH_INTERNAL
          ports: [{number: 80, name: http, protocol: HTTP, targetPort: %d}]
          resolution: STATIC
          workloadSelector:
            labels: {app: web}
        """.formatted(appPort, appPort, appPort));
    Cli apply = cli("apply", "-f", mesh.toString());
    assertThat(apply.exit()).as(apply.err()).isZero();
  }

  @AfterEach
  void tearDown() throws Exception {
    appA.close();
    appB.close();
    server.close();
  }

  /** The server; {@code gracePeriod} is how long an entry outlives its VM's disconnect. */
  VmeshProcess startServer(String gracePeriod) throws Exception {
    VmeshProcess s = new VmeshProcess("server", tmp, "server", "--data-dir", tmp.resolve("data").toString(),
        "--http-address", "127.0.0.1:" + httpPort, "--xds-address", "127.0.0.1:" + xdsPort,
        "--workload-grace-period", gracePeriod).start();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get("/ready").statusCode())
        .as(s.output()).isEqualTo(200));
    token = Files.readString(tmp.resolve("data/admin-token")).trim();
    return s;
  }

  Cli cli(String... args) {
    String[] all = Arrays.copyOf(args, args.length + 4);
    all[args.length] = "--server";
    all[args.length + 1] = "http://127.0.0.1:" + httpPort;
    all[args.length + 2] = "--token";
    all[args.length + 3] = token;
    return Cli.run(all);
  }

  HttpResponse<String> get(String path) throws Exception {
    return AdminCalls.getOr599(http, httpPort, token, path);
  }

  Optional<Resource> entry(String name) throws Exception {
    var r = get("/apis/networking.istio.io/v1/namespaces/vm/workloadentries/" + name);
    return r.statusCode() == 200 ? Optional.of(ResourceDecoder.decodeOne("we.json", r.body())) : Optional.empty();
  }

  List<Resource> entries() throws Exception {
    return ResourceDecoder.decode("wes.json", get("/apis/networking.istio.io/v1/namespaces/vm/workloadentries")
        .body()).resources();
  }

  Optional<Condition> healthy(String name) throws Exception {
    return entry(name).flatMap(e -> e.status().condition(Condition.HEALTHY));
  }

  /** Onboards a VM at {@code ip} and starts its agent. */
  VmeshProcess agent(String vm, String ip) throws Exception {
    Path files = tmp.resolve(vm + "-etc");
    Cli configure = cli("workload", "entry", "configure", "--name", "web", "-n", "vm", "-o", files.toString(),
        "--autoregister", "--internal-ip", ip, "--discovery-address", "127.0.0.1:" + xdsPort);
    assertThat(configure.exit()).as(configure.err()).isZero();
    // The agent's DNS proxy answers on the VM's address; its upstream is a loopback address nobody asks.
    Path resolv = tmp.resolve(vm + "-resolv.conf");
    Files.writeString(resolv, "nameserver 127.0.0.1\nsearch vm.svc.cluster.local\n");
    return new VmeshProcess("agent-" + vm, tmp, "agent", "--config-dir", files.toString(),
        "--state-dir", tmp.resolve(vm + "-state").toString(), "--run-dir", tmp.resolve(vm + "-run").toString(),
        "--status-address", ip + ":" + VmeshProcess.freePort(), "--readiness-address", "off",
        "--dns-listen", ip + ":" + dnsPort, "--resolv-conf", resolv.toString()).start();
  }

  @Test
  void agentsRegisterReportHealthAndLeave() throws Exception {
    try (VmeshProcess a = agent("a", "127.0.0.2"); VmeshProcess b = agent("b", "127.0.0.3")) {
      // Both register, with the group's template and the VM's address, and become healthy.
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        assertThat(healthy("web-127.0.0.2")).as(a.output()).hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue());
        assertThat(healthy("web-127.0.0.3")).as(b.output()).hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue());
      });
      Resource we = entry("web-127.0.0.2").orElseThrow();
      WorkloadEntrySpec spec = (WorkloadEntrySpec) we.spec();
      assertThat(spec.address()).isEqualTo("127.0.0.2");
      assertThat(spec.serviceAccount()).isEqualTo("web");
      assertThat(spec.labels()).containsEntry("app", "web");
      assertThat(we.metadata().annotations()).containsKeys(WellKnown.CONNECTED_AT, WellKnown.HEALTH_CHECKS_ENABLED)
          .containsEntry(WellKnown.AUTO_REGISTRATION_GROUP, "web");
      assertThat(get("/debug/registryz").body()).contains("web.vm.example.com", "127.0.0.2", "127.0.0.3");
      // The name table reached the agent's DNS proxy: the mesh name resolves to its virtual IP on the VM.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(dig("127.0.0.2", "web.vm.example.com"))
          .matches("240\\.240\\.\\d+\\.\\d+\\s*"));

      // B's app fails its probe: the entry turns unhealthy with the probe's reason; then it recovers.
      assertThat(endpoints()).containsEntry("127.0.0.2", true).containsEntry("127.0.0.3", true);
      appB.healthy.set(false);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(healthy("web-127.0.0.3"))
          .hasValueSatisfying(c -> {
            assertThat(c.isTrue()).isFalse();
            assertThat(c.message()).contains("503");
          }));
      // Out of the service's traffic (EDS carries healthy endpoints only), A still in.
      await().untilAsserted(() -> assertThat(endpoints()).containsEntry("127.0.0.2", true)
          .containsEntry("127.0.0.3", false));
      appB.healthy.set(true);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(healthy("web-127.0.0.3"))
          .hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue()));
      await().untilAsserted(() -> assertThat(endpoints()).containsEntry("127.0.0.3", true));

      // SIGTERM: A's agent exits cleanly; its entry is marked disconnected and removed after the grace period.
      // (The JVM exits with 128 + SIGTERM after its shutdown hooks; the systemd unit lists 143 as success.)
      assertThat(a.stop()).as(a.output()).isIn(0, 143);
      assertThat(a.output()).contains("event=agent_stopped");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(entry("web-127.0.0.2")).isEmpty());
      assertThat(endpoints()).containsOnlyKeys("127.0.0.3"); // traffic goes to the other VM
      // SIGKILL: the kernel closes B's connection; same outcome, no help from the agent.
      b.kill();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(entries()).isEmpty());
    }
  }

  @Test
  void aServerRestartKeepsTheEntryAndTheAgentComesBack() throws Exception {
    try (VmeshProcess a = agent("a", "127.0.0.2")) {
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(healthy("web-127.0.0.2")).as(a.output())
          .hasValueSatisfying(c -> assertThat(c.isTrue()).isTrue()));
      String firstUid = entry("web-127.0.0.2").orElseThrow().metadata().uid();

      server.stop();
      // The agent's disconnect from the old server may be recorded; the new one must not sweep the entry
      // before the agent is back, however long its start takes on a busy machine (2 s was not always enough).
      server = startServer("60s");
      // The agent reconnects (its backoff is short after a working stream) and the same entry stays,
      // connected again, neither deleted nor duplicated.
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        Resource we = entry("web-127.0.0.2").orElseThrow();
        assertThat(we.metadata().annotations()).containsKey(WellKnown.CONNECTED_AT)
            .doesNotContainKey(WellKnown.DISCONNECTED_AT);
        assertThat(get("/debug/syncz").body()).contains("127.0.0.2");
      });
      assertThat(entry("web-127.0.0.2").orElseThrow().metadata().uid()).isEqualTo(firstUid);
      assertThat(entries()).hasSize(1);
      assertThat(a.isAlive()).isTrue();
    }
  }

  /** The endpoints of web.vm.example.com in the server's registry: address to whether it gets traffic. */
  Map<String, Boolean> endpoints() throws Exception {
    var doc = (SourceNode.MapNode) SourceParser.parseJson("registryz.json",
        get("/debug/registryz").body()).documents().get(0);
    Map<String, Boolean> out = new TreeMap<>();
    for (var svc : ((SourceNode.ListNode) doc.fields().get("services").value()).items()) {
      var m = (SourceNode.MapNode) svc;
      if (!text(m, "hostname").equals("web.vm.example.com")) {
        continue;
      }
      for (var e : ((SourceNode.ListNode) m.fields().get("endpoints").value()).items()) {
        var em = (SourceNode.MapNode) e;
        out.put(text(em, "address"), Boolean.parseBoolean(text(em, "healthy")));
      }
    }
    return out;
  }

  private static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar sc ? sc.text() : "";
  }

  /** The answer section of {@code dig +short} against the agent's DNS proxy at {@code ip}. */
  String dig(String ip, String name) throws Exception {
    Process p = new ProcessBuilder("dig", "@" + ip, "-p", Integer.toString(dnsPort), "+short", "+tries=1",
        "+time=2", name, "A").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }
}
