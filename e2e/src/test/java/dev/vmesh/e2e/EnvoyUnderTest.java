package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmesh.agent.envoy.EnvoyBinary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code EnvoyUnderTest} is one VM in a network namespace of its own (so Istio's fixed ports are free):
 * a real server with a given config directory, a real agent onboarded into a WorkloadGroup, and the real
 * Envoy the agent runs (found by {@link EnvoyBinary}), whose admin API the test reads. Closing it kills
 * every process and deletes the namespace.
 */
final class EnvoyUnderTest implements AutoCloseable {
  final Path tmp;
  final String netns = "vmesh-dp-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffff);
  final String ip;
  private final List<Process> processes = new ArrayList<>();

  record Result(int exit, String out) {}

  record Http(int code, String body) {}

  EnvoyUnderTest(Path tmp, String ip) {
    this.tmp = tmp;
    this.ip = ip;
  }

  /** Skips the test unless the machine can run it (root, ip, curl, an Envoy). */
  static void assumeRunnable() throws Exception {
    assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root for a network namespace");
    assumeTrue(run("sh", "-c", "command -v ip && command -v curl").exit == 0, "needs ip and curl");
  }

  /** Starts the server on {@code config}, onboards the VM into {@code group} of {@code namespace}, starts the agent. */
  void start(Path config, String group, String namespace, String... serverFlags) throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    assertThat(VmeshProcess.JAR).as("the fat jar (./mvnw package builds dist before e2e)").exists();
    must("ip", "netns", "add", netns);
    must("ip", "-n", netns, "link", "set", "lo", "up");
    must("ip", "-n", netns, "addr", "add", ip + "/32", "dev", "lo");
    Path data = tmp.resolve("data");
    List<String> server = new ArrayList<>(List.of("server", "--data-dir", data.toString(), "--config",
        config.toString(), "--http-address", "127.0.0.1:15014", "--xds-address", "127.0.0.1:15012"));
    server.addAll(List.of(serverFlags));
    start("server", server.toArray(String[]::new));
    await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data.resolve("admin-token")));
    Path etc = tmp.resolve("etc");
    await().atMost(Duration.ofSeconds(60)).until(() -> vmesh("workload", "entry", "configure", "--name", group, "-n",
        namespace, "-o", etc.toString(), "--autoregister", "--internal-ip", ip, "--token-file",
        data.resolve("admin-token").toString()).exit == 0);
    start("agent", "agent", "--config-dir", etc.toString(), "--state-dir",
        Files.createDirectories(tmp.resolve("state")).toString(), "--run-dir",
        Files.createDirectories(tmp.resolve("run")).toString(), "--envoy", envoy.toString(), "--dns", "off",
        "--status-address", "127.0.0.1:15020", "--readiness-address", "127.0.0.1:15021");
  }

  /** Runs {@code cmd} in the namespace, in the background, until close. */
  Process background(String name, String... cmd) throws Exception {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    all.addAll(List.of(cmd));
    Process p = new ProcessBuilder(all).redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile())
        .start();
    processes.add(p);
    return p;
  }

  private void start(String name, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(javaJar());
    cmd.addAll(List.of(args));
    background(name, cmd.toArray(String[]::new));
  }

  Result vmesh(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
    cmd.addAll(javaJar());
    cmd.addAll(List.of(args));
    return run(cmd.toArray(String[]::new));
  }

  private List<String> javaJar() {
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-jar", VmeshProcess.JAR.toString());
  }

  /** GET {@code http://hostPortPath} from inside the namespace. */
  Http curl(String hostPortPath) throws Exception {
    Result r = run("ip", "netns", "exec", netns, "curl", "-s", "-m", "10", "-w", "\n%{http_code}",
        "http://" + hostPortPath);
    int nl = r.out.lastIndexOf('\n');
    String code = r.out.substring(nl + 1).strip();
    return new Http(code.matches("[0-9]{3}") ? Integer.parseInt(code) : 0, nl < 0 ? "" : r.out.substring(0, nl));
  }

  /** Envoy's admin page {@code path}. */
  String admin(String path) throws Exception {
    return curl("127.0.0.1:15000" + path).body;
  }

  String log(String name) {
    try {
      String s = Files.readString(tmp.resolve(name + ".log"));
      return "\n--- " + name + " log (last 6000 chars):\n" + s.substring(Math.max(0, s.length() - 6000));
    } catch (java.io.IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws Exception {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    run("ip", "netns", "del", netns);
  }

  static void must(String... cmd) throws Exception {
    Result r = run(cmd);
    assertThat(r.exit).as(String.join(" ", cmd) + ": " + r.out).isZero();
  }

  static Result run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new Result(p.exitValue(), out);
  }
}
