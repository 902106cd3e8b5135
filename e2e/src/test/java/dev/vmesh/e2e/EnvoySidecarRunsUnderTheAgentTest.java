package dev.vmesh.e2e;

import static dev.vmesh.e2e.Commands.NOBODY;
import static dev.vmesh.e2e.Commands.must;
import static dev.vmesh.e2e.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.envoy.EnvoyBinary;
import dev.vmesh.e2e.Commands.Http;
import dev.vmesh.e2e.Commands.Result;
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
 * Envoy killed with SIGKILL comes back and readiness with it; SIGTERM to the agent withdraws first (readiness
 * says "shutting down" while Envoy, still running, drains its inbound listeners) and stops Envoy after the drain. Whether Envoy accepted the server's
 * listeners and clusters is printed, not asserted: those generators are not this test's subject.
 */
class EnvoySidecarRunsUnderTheAgentTest {
  @TempDir
  Path tmp;
  final String netns = "vmesh-envoy-" + ProcessHandle.current().pid();
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void cleanup() throws Exception {
    Commands.killAll(processes);
    run("ip", "netns", "del", netns);
  }

  @Test
  void envoyGetsItsCertificateOverSdsAndIsSupervisedAsTheAgentsUser() throws Exception {
    Commands.assumeRootWith("ip", "setpriv", "curl");
    Path envoySource = EnvoyBinary.find(System.getenv()).path();
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
        data.resolve("admin-token").toString()).exit() == 0);
    Path state = Files.createDirectories(tmp.resolve("state"));
    Path runDir = Files.createDirectories(tmp.resolve("run"));
    must("chown", "-R", NOBODY + ":" + NOBODY, etc.toString(), state.toString(), runDir.toString());
    Process agent = start("agent", List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"),
        "agent", "--config-dir", etc.toString(), "--state-dir", state.toString(), "--run-dir", runDir.toString(),
        "--envoy", envoy.toString(), "--dns", "off", "--status-address", "127.0.0.1:15020",
        "--readiness-address", "127.0.0.1:15021", "--drain", "15s");

    // Envoy runs as the agent's child, under the agent's (unprivileged) user.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(envoyProcess(agent)).as(log("agent"))
        .isNotNull());
    ProcessHandle first = envoyProcess(agent);
    assertThat(first.info().user()).as(log("agent")).hasValue("nobody");

    // The agent's SDS gave Envoy the VM's certificate and the mesh roots.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(curl("127.0.0.1:15000/certs").body())
        .as(log("agent")).contains("spiffe://cluster.local/ns/vm/sa/web"));
    String secrets = curl("127.0.0.1:15000/config_dump?resource=dynamic_active_secrets").body();
    assertThat(secrets).contains("\"name\": \"default\"", "\"name\": \"ROOTCA\"");

    // Ready on 15021 once Envoy is; 15020 merges Envoy's and the agent's metrics; 15090 is Envoy's stats only.
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(curl("127.0.0.1:15021/healthz/ready").code())
        .as(curl("127.0.0.1:15021/healthz/ready").body() + log("agent")).isEqualTo(200));
    assertThat(curl("127.0.0.1:15020/stats/prometheus").body()).contains("envoy_server_live", "vmesh_agent_xds_connected 1",
        "envoy_cluster_upstream_cx_total{envoy_cluster_name=\"xds-grpc\"}");
    assertThat(curl("127.0.0.1:15090/stats/prometheus").body()).contains("envoy_server_live")
        .doesNotContain("vmesh_agent_");
    assertThat(curl("127.0.0.1:15090/ready").code()).isEqualTo(404);
    System.out.println("Envoy's view of the server's config: " + curl("127.0.0.1:15000/stats?filter="
        + "update_(rejected|success)|listener_create_(success|failure)").body().replace('\n', ' '));

    // SIGKILL: readiness drops, the supervisor starts Envoy again (after ~1 s), readiness comes back.
    must("kill", "-9", Long.toString(first.pid()));
    assertThat(first.onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .until(() -> curl("127.0.0.1:15021/healthz/ready").code() == 503);
    ProcessHandle second = await().atMost(Duration.ofSeconds(60)).until(() -> envoyProcess(agent),
        p -> p != null && p.pid() != first.pid());
    assertThat(second.info().user()).hasValue("nobody");
    await().atMost(Duration.ofSeconds(60)).until(() -> curl("127.0.0.1:15021/healthz/ready").code() == 200);
    assertThat(curl("127.0.0.1:15020/stats/prometheus").body()).contains("vmesh_agent_envoy_restarts_total 1.0");
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(curl("127.0.0.1:15000/certs").body())
        .contains("spiffe://cluster.local/ns/vm/sa/web"));

    // SIGTERM to the agent: it withdraws first (15021 says so, Envoy keeps running and drains its inbound
    // listeners), and stops Envoy with it once the drain is over.
    agent.destroy();
    await().atMost(Duration.ofSeconds(12)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertThat(
        curl("127.0.0.1:15021/healthz/ready").body()).as(log("agent")).contains("shutting down"));
    assertThat(second.isAlive()).as("Envoy serves through the drain").isTrue();
    await().atMost(Duration.ofSeconds(12)).untilAsserted(() -> assertThat(Files.readString(tmp.resolve("agent.log")))
        .contains("event=envoy_draining listeners=inbound"));
    assertThat(agent.waitFor(60, TimeUnit.SECONDS)).as(log("agent")).isTrue();
    assertThat(second.isAlive()).isFalse();
    String stopped = Files.readString(tmp.resolve("agent.log"));
    assertThat(stopped.indexOf("event=withdrawn")).as(stopped).isGreaterThan(stopped.indexOf("event=envoy_draining"))
        .isLessThan(stopped.indexOf("event=agent_stopped"));
  }

  private static ProcessHandle envoyProcess(Process agent) {
    return agent.descendants().filter(p -> p.info().command().orElse("").endsWith("/envoy")).findFirst()
        .orElse(null);
  }

  private Http curl(String hostPortPath) throws Exception {
    return Commands.curl(netns, hostPortPath);
  }

  private Process start(String name, List<String> as, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(as);
    cmd.addAll(Commands.vmesh(tmp.resolve("vmesh.jar"), args));
    Process p = Commands.background(tmp.resolve(name + ".log"), Commands.inNetns(netns, cmd.toArray(String[]::new)));
    processes.add(p);
    return p;
  }

  private Result vmesh(String... args) throws Exception {
    return run(Commands.inNetns(netns, Commands.vmesh(tmp.resolve("vmesh.jar"), args).toArray(String[]::new)));
  }

  private String log(String name) {
    return Commands.logTail(tmp, name, 6000);
  }
}
