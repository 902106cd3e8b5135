package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmesh.agent.envoy.EnvoyBinary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Envoy 1.40 (found as {@code --envoy auto} finds it) run by a real agent, against a real server,
 * all inside a network namespace this test creates so that Istio's fixed ports (15000, 15020, 15021,
 * 15090) are free. The agent runs as the unprivileged user nobody, as the package's unit runs it as vmesh:
 * Envoy, its child, runs as that user too. Checked: Envoy gets its workload certificate and the roots over
 * the agent's SDS ({@code default}, {@code ROOTCA}); readiness on 15021 follows Envoy; 15020's
 * {@code /stats/prometheus} merges Envoy's and the agent's metrics; 15090 serves Envoy's stats only;
 * Envoy killed with SIGKILL comes back and readiness with it. Whether Envoy accepted the server's
 * listeners and clusters is printed, not asserted: those generators are not this test's subject.
 */
class EnvoySidecarRunsUnderTheAgentTest {
  static final int NOBODY = 65534;

  @TempDir
  Path tmp;
  final String netns = "vmesh-envoy-" + ProcessHandle.current().pid();
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void cleanup() throws Exception {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    run("ip", "netns", "del", netns);
  }

  @Test
  void envoyGetsItsCertificateOverSdsAndIsSupervisedAsTheAgentsUser() throws Exception {
    assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root for a network namespace");
    assumeTrue(run("sh", "-c", "command -v ip && command -v setpriv && command -v curl").exit == 0,
        "needs ip, setpriv and curl");
    Path envoySource = EnvoyBinary.find(System.getenv()).path();
    assertThat(VmeshProcess.JAR).as("the fat jar (./mvnw package builds dist before e2e)").exists();
    must("ip", "netns", "add", netns);
    must("ip", "-n", netns, "link", "set", "lo", "up");

    // What nobody runs must be reachable by nobody (a pip-installed Envoy may live under /root).
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path envoy = Files.copy(envoySource, tmp.resolve("envoy"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.setPosixFilePermissions(envoy, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Files.copy(VmeshProcess.JAR, tmp.resolve("vmesh.jar"));
    Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));

    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("mesh.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: web, namespace: vm}
        spec:
          metadata: {labels: {app: web}}
          template: {serviceAccount: web, ports: {http: 8080}}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: web, namespace: vm}
        spec:
          hosts: [web.vm.svc.cluster.local]
          ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
          resolution: STATIC
          workloadSelector: {labels: {app: web}}
        """);
    Path data = tmp.resolve("data");
    start("server", List.of(), "server", "--data-dir", data.toString(), "--config", config.toString(),
        "--http-address", "127.0.0.1:15014", "--xds-address", "127.0.0.1:15012");
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("admin-token")));
    Path etc = tmp.resolve("etc");
    await().atMost(Duration.ofSeconds(60)).until(() -> vmesh("workload", "entry", "configure", "--name", "web", "-n",
        "vm", "-o", etc.toString(), "--autoregister", "--internal-ip", "127.0.0.1", "--token-file",
        data.resolve("admin-token").toString()).exit == 0);
    Path state = Files.createDirectories(tmp.resolve("state"));
    Path runDir = Files.createDirectories(tmp.resolve("run"));
    must("chown", "-R", NOBODY + ":" + NOBODY, etc.toString(), state.toString(), runDir.toString());
    Process agent = start("agent", List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"),
        "agent", "--config-dir", etc.toString(), "--state-dir", state.toString(), "--run-dir", runDir.toString(),
        "--envoy", envoy.toString(), "--dns", "off", "--status-address", "127.0.0.1:15020",
        "--readiness-address", "127.0.0.1:15021");

    // Envoy runs as the agent's child, under the agent's (unprivileged) user.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(envoyProcess(agent)).as(log("agent"))
        .isNotNull());
    ProcessHandle first = envoyProcess(agent);
    assertThat(first.info().user()).as(log("agent")).hasValue("nobody");

    // The agent's SDS gave Envoy the VM's certificate and the mesh roots.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(curl("127.0.0.1:15000/certs").body)
        .as(log("agent")).contains("spiffe://cluster.local/ns/vm/sa/web"));
    String secrets = curl("127.0.0.1:15000/config_dump?resource=dynamic_active_secrets").body;
    assertThat(secrets).contains("\"name\": \"default\"", "\"name\": \"ROOTCA\"");

    // Ready on 15021 once Envoy is; 15020 merges Envoy's and the agent's metrics; 15090 is Envoy's stats only.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(curl("127.0.0.1:15021/healthz/ready").code)
        .as(curl("127.0.0.1:15021/healthz/ready").body + log("agent")).isEqualTo(200));
    assertThat(curl("127.0.0.1:15020/stats/prometheus").body).contains("envoy_server_live", "vmesh_agent_xds_connected 1",
        "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"xds-grpc\"}");
    assertThat(curl("127.0.0.1:15090/stats/prometheus").body).contains("envoy_server_live")
        .doesNotContain("vmesh_agent_");
    assertThat(curl("127.0.0.1:15090/ready").code).isEqualTo(404);
    System.out.println("Envoy's view of the server's config: " + curl("127.0.0.1:15000/stats?filter="
        + "update_(rejected|success)|listener_create_(success|failure)").body.replace('\n', ' '));

    // SIGKILL: readiness drops, the supervisor starts Envoy again (after ~1 s), readiness comes back.
    must("kill", "-9", Long.toString(first.pid()));
    assertThat(first.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> curl("127.0.0.1:15021/healthz/ready").code == 503);
    ProcessHandle second = await().atMost(Duration.ofSeconds(60)).until(() -> envoyProcess(agent),
        p -> p != null && p.pid() != first.pid());
    assertThat(second.info().user()).hasValue("nobody");
    await().atMost(Duration.ofSeconds(60)).until(() -> curl("127.0.0.1:15021/healthz/ready").code == 200);
    assertThat(curl("127.0.0.1:15020/stats/prometheus").body).contains("vmesh_agent_envoy_restarts_total 1.0");
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(curl("127.0.0.1:15000/certs").body)
        .contains("spiffe://cluster.local/ns/vm/sa/web"));

    // SIGTERM to the agent stops Envoy with it.
    agent.destroy();
    assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as(log("agent")).isTrue();
    assertThat(second.isAlive()).isFalse();
  }

  private static ProcessHandle envoyProcess(Process agent) {
    return agent.descendants().filter(p -> p.info().command().orElse("").endsWith("/envoy")).findFirst()
        .orElse(null);
  }

  private record Result(int exit, String out) {}

  private record Http(int code, String body) {}

  private Http curl(String hostPortPath) throws Exception {
    Result r = run("ip", "netns", "exec", netns, "curl", "-s", "-m", "5", "-w", "\n%{http_code}",
        "http://" + hostPortPath);
    int nl = r.out.lastIndexOf('\n');
    String code = r.out.substring(nl + 1).strip();
    return new Http(code.matches("[0-9]{3}") ? Integer.parseInt(code) : 0, nl < 0 ? "" : r.out.substring(0, nl));
  }

  private Process start(String name, List<String> as, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    cmd.addAll(as);
    cmd.addAll(javaJar());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile())
        .start();
    processes.add(p);
    return p;
  }

  private Result vmesh(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    cmd.addAll(javaJar());
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  private List<String> javaJar() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx192m",
        "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-jar", tmp.resolve("vmesh.jar").toString());
  }

  private String log(String name) {
    try {
      String s = Files.readString(tmp.resolve(name + ".log"));
      return "\n--- " + name + " log (last 6000 chars):\n" + s.substring(Math.max(0, s.length() - 6000));
    } catch (java.io.IOException e) {
      return "";
    }
  }

  private static void must(String... cmd) throws Exception {
    Result r = run(cmd);
    assertThat(r.exit).as(String.join(" ", cmd) + ": " + r.out).isZero();
  }

  private static Result run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), out);
  }
}
