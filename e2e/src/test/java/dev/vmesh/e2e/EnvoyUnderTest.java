package dev.vmesh.e2e;

import static dev.vmesh.e2e.Commands.must;
import static dev.vmesh.e2e.Commands.run;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.envoy.EnvoyBinary;
import dev.vmesh.e2e.Commands.Http;
import dev.vmesh.e2e.Commands.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
  private final List<String> agentFlags = new ArrayList<>();

  EnvoyUnderTest(Path tmp, String ip) {
    this.tmp = tmp;
    this.ip = ip;
  }

  /** Skips the test unless the machine can run it (root, ip, curl, an Envoy). */
  static void assumeRunnable() throws Exception {
    Commands.assumeRootWith("ip", "curl");
  }

  /** Starts the server on {@code config}, onboards the VM into {@code group} of {@code namespace}, starts the agent. */
  void start(Path config, String group, String namespace, String... serverFlags) throws Exception {
    startServer(config, serverFlags);
    startAgent(onboard(group, namespace));
  }

  /** Starts the agent (with Envoy and the status ports) on the onboarding files in {@code etc}. */
  void startAgent(Path etc) throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    List<String> agent = new ArrayList<>(List.of("agent", "--config-dir", etc.toString(), "--state-dir",
        Files.createDirectories(tmp.resolve("state")).toString(), "--run-dir",
        Files.createDirectories(tmp.resolve("run")).toString(), "--envoy", envoy.toString(), "--dns", "off",
        "--status-address", "127.0.0.1:15020", "--readiness-address", "127.0.0.1:15021"));
    agent.addAll(agentFlags);
    start("agent", agent.toArray(String[]::new));
  }

  /** Adds {@code flags} to the agent's command line (call before {@link #start}). */
  EnvoyUnderTest agentFlags(String... flags) {
    agentFlags.addAll(List.of(flags));
    return this;
  }

  /** Creates the namespace and starts the server on {@code config} (xDS on 127.0.0.1:15012); waits until it serves. */
  void startServer(Path config, String... serverFlags) throws Exception {
    startServerWithXdsOn(config, "127.0.0.1:15012", serverFlags);
  }

  /** As {@link #startServer}, with xDS on {@code xdsAddress} (a gateway in the namespace takes 15012 itself). */
  void startServerWithXdsOn(Path config, String xdsAddress, String... serverFlags) throws Exception {
    must("ip", "netns", "add", netns);
    must("ip", "-n", netns, "link", "set", "lo", "up");
    must("ip", "-n", netns, "addr", "add", ip + "/32", "dev", "lo");
    List<String> server = new ArrayList<>(List.of("server", "--data-dir", data().toString(), "--config",
        config.toString(), "--http-address", "127.0.0.1:15014", "--xds-address", xdsAddress));
    server.addAll(List.of(serverFlags));
    start("server", server.toArray(String[]::new));
    await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data().resolve("admin-token")));
  }

  /** Writes the VM's onboarding files for {@code group} of {@code namespace} (auto-registration); returns their directory. */
  Path onboard(String group, String namespace) throws Exception {
    Path etc = tmp.resolve("etc");
    await().atMost(Duration.ofSeconds(60)).until(() -> vmesh("workload", "entry", "configure", "--name", group, "-n",
        namespace, "-o", etc.toString(), "--autoregister", "--internal-ip", ip, "--token-file",
        data().resolve("admin-token").toString()).exit() == 0);
    return etc;
  }

  /** The server's data directory (its admin token, its CA). */
  Path data() {
    return tmp.resolve("data");
  }

  /** Runs {@code cmd} in the namespace, in the background, until close. */
  Process background(String name, String... cmd) throws Exception {
    Process p = Commands.background(tmp.resolve(name + ".log"), Commands.inNetns(netns, cmd));
    processes.add(p);
    return p;
  }

  private void start(String name, String... args) throws Exception {
    background(name, Commands.vmesh(args).toArray(String[]::new));
  }

  Result vmesh(String... args) throws Exception {
    return run(Commands.inNetns(netns, Commands.vmesh(args).toArray(String[]::new)));
  }

  /** GET {@code http://hostPortPath} from inside the namespace. */
  Http curl(String hostPortPath) throws Exception {
    return Commands.curl(netns, hostPortPath);
  }

  /** Envoy's admin page {@code path}. */
  String admin(String path) throws Exception {
    return curl("127.0.0.1:15000" + path).body();
  }

  String log(String name) {
    return Commands.logTail(tmp, name, 6000);
  }

  @Override
  public void close() throws Exception {
    Commands.killAll(processes);
    run("ip", "netns", "del", netns);
  }
}
