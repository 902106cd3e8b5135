package dev.vmesh.e2e;

import static dev.vmesh.e2e.SidecarMesh.SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens to an application's traffic when parts of the mesh fail, with everything real: a server
 * and three VMs, each a network namespace on one bridge, each VM's agent capturing traffic (iptables)
 * into a real Envoy. VM a is a client; VMs b and c are the two endpoints of {@code vmservice.example.com},
 * selected by their WorkloadGroup, whose readiness probe reads the app's {@code /healthz}. Checked in order,
 * on one mesh:
 * <ol>
 *   <li>b's probe fails: the server marks b unhealthy and a's requests all go to c; b recovers: it serves
 *       again.</li>
 *   <li>Envoy on a is killed (SIGKILL): the agent starts a new one, which gets its config again and
 *       carries a's requests.</li>
 *   <li>The agent on a is stopped (SIGTERM, as systemd stops it): Envoy stops with it, the agent's capture
 *       rules are gone from every table, and an ordinary connection from a goes straight to its
 *       destination.</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MeshTrafficRidesOutVmFailuresTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: client, namespace: mesh}
      spec:
        metadata: {labels: {app: client}}
        template: {serviceAccount: client}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web, namespace: mesh}
      spec:
        metadata: {labels: {app: web}}
        template: {serviceAccount: web}
        probe:
          periodSeconds: 1
          failureThreshold: 1
          successThreshold: 1
          httpGet: {path: /healthz, port: 8080}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: vmservice, namespace: mesh}
      spec:
        hosts: [vmservice.example.com]
        location: MESH_INTERNAL
        ports:
        - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      """;

  /** Answers GET / with "vm=NAME"; GET /healthz with 200, or 503 while the file FLAG exists. */
  static final String WEB_APP = """
      import http.server, os, sys
      name, flag = sys.argv[1], sys.argv[2]
      class H(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              sick = self.path == "/healthz" and os.path.exists(flag)
              body = ("sick\\n" if sick else "vm=%s\\n" % name).encode()
              self.send_response(503 if sick else 200)
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
          def log_message(self, *a):
              pass
      http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H).serve_forever()
      """;

  static final String URL = "http://vmservice.example.com/";
  /** Requests per sample: with round robin over two endpoints, a sample of one endpoint's answers is no accident. */
  static final int SAMPLE = 8;

  @TempDir
  static Path tmp;
  static SidecarMesh mesh;

  @BeforeAll
  static void setUp() throws Exception {
    SidecarMesh.assumeRunnable();
    mesh = SidecarMesh.start(tmp, MESH);
    mesh.vm("a", "10.88.0.2", "client");
    for (String[] vm : List.of(new String[] {"b", "10.88.0.3"}, new String[] {"c", "10.88.0.4"})) {
      String ns = mesh.vm(vm[0], vm[1], "web");
      mesh.lan.background(ns, "web-" + vm[0], List.of("python3", "-c", WEB_APP, vm[0], sickFlag(vm[0]).toString()));
    }
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
  }

  @Test
  @Order(1)
  void anUnhealthyVmGetsNoTrafficUntilItRecovers() throws Exception {
    awaitAsserted("b and c both serve a", () -> assertThat(answerers()).containsOnly("b", "c"));

    Files.createFile(sickFlag("b"));
    awaitAsserted("b's probe fails: only c serves", () -> assertThat(answerers()).hasSize(SAMPLE).containsOnly("c"));

    Files.delete(sickFlag("b"));
    awaitAsserted("b recovers and serves again", () -> assertThat(answerers()).contains("b", "c"));
  }

  @Test
  @Order(2)
  void aKilledEnvoyIsRestartedAndCarriesTrafficAgain() throws Exception {
    awaitAsserted("a is served", () -> assertThat(answerers()).isNotEmpty());
    ProcessHandle first = mesh.envoy("a").orElseThrow();

    Commands.must("kill", "-9", Long.toString(first.pid()));
    first.onExit().get(10, TimeUnit.SECONDS);

    ProcessHandle second = await().atMost(Duration.ofSeconds(60))
        .until(() -> mesh.envoy("a").orElse(null), p -> p != null && p.pid() != first.pid());
    awaitAsserted("a is served again", () -> assertThat(answerers()).isNotEmpty());
    // through the new Envoy: its counters started at zero
    assertThat(mesh.envoyStat("a", "cluster.outbound|80||vmservice.example.com.upstream_rq_completed")).isPositive();
    assertThat(mesh.envoy("a").map(ProcessHandle::pid)).hasValue(second.pid());
  }

  @Test
  @Order(3)
  void aStoppedAgentLeavesNoCaptureBehind() throws Exception {
    awaitAsserted("a is served", () -> assertThat(answerers()).isNotEmpty());
    String a = mesh.ns("a");
    assertThat(mesh.lan.exec(a, "iptables-save").out()).contains("VMESH_OUTPUT", "VMESH_INBOUND");
    ProcessHandle envoy = mesh.envoy("a").orElseThrow();

    int exit = mesh.stopAgent("a");

    assertThat(exit).as("SIGTERM ends the agent after its shutdown hooks (143, like systemd's SuccessExitStatus)")
        .isIn(0, 143);
    assertThat(envoy.onExit().get(30, TimeUnit.SECONDS).isAlive()).as("Envoy stops with its agent").isFalse();
    assertThat(mesh.lan.exec(a, "iptables-save").out()).doesNotContain("VMESH");
    assertThat(mesh.lan.exec(a, "ip6tables-save").out()).doesNotContain("VMESH");
    if (Commands.run("sh", "-c", "command -v nft").exit() == 0) {
      assertThat(mesh.lan.exec(a, "nft", "list", "tables").out()).doesNotContain("vmesh");
    }
    // nothing listens on 15001 any more: this connection can only work because nothing redirects it
    assertThat(mesh.asNobody("a", "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
        "http://" + SERVER + ":8081/").out()).isEqualTo("200");
    assertThat(mesh.curlAsNobody("a", "http://10.88.0.3:8080/")).isEqualTo("vm=b\n");
  }

  /** Which VMs answered {@link #SAMPLE} requests from an ordinary user on a (one entry per answer). */
  private static List<String> answerers() throws Exception {
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-m", "5"));
    for (int i = 0; i < SAMPLE; i++) {
      cmd.add(URL);
    }
    Commands.Result r = mesh.asNobody("a", cmd.toArray(String[]::new));
    List<String> vms = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      if (line.startsWith("vm=")) {
        vms.add(line.substring(3).strip());
      }
    }
    return vms;
  }

  private static Path sickFlag(String vm) {
    return tmp.resolve("sick-" + vm);
  }

  /** Awaits {@code check} (90 s, every 500 ms); on timeout fails with the mesh's state. */
  private static void awaitAsserted(String what, ThrowingRunnable check) {
    try {
      await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(check);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + mesh.diagnostics("a", "b", "c"), e);
    }
  }
}
