package dev.vmesh.e2e;

import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.envoy.EnvoyBinary;
import dev.vmesh.e2e.Commands.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code SidecarMesh} is a mesh of real processes on a {@link Lan}: a vmesh server on machine
 * {@code server} ({@link #SERVER}), which is also every machine's nameserver and runs a plain HTTP server
 * outside the mesh on {@code SERVER:8081}, and VMs, each onboarded into a WorkloadGroup with its agent
 * running a real Envoy and capturing traffic with iptables, every outbound address and inbound port, as
 * istioctl's defaults for a VM do. The config directory ({@link #config}) is the server's, so a test changes the
 * mesh by writing files there. Closing it stops everything and deletes the namespaces.
 */
final class SidecarMesh implements AutoCloseable {
  static final String SERVER = "10.88.0.1";
  static final String RESOLV = "nameserver " + SERVER + "\noptions attempts:1 timeout:2\n";
  /** The WorkloadGroups of namespace mesh the tests onboard VMs into: client (sa client) and web (sa web). */
  static final String CLIENT_AND_WEB_GROUPS = """
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
      ---
      """;

  final Lan lan;
  final Path config;
  final Path data;
  private final Path tmp;
  private final Path envoy;
  private final Map<String, Process> agents = new HashMap<>();

  private SidecarMesh(Lan lan, Path tmp, Path envoy) {
    this.lan = lan;
    this.tmp = tmp;
    this.envoy = envoy;
    this.config = tmp.resolve("config");
    this.data = tmp.resolve("data");
  }

  /** Skips the test unless the machine can run a mesh (root; ip, curl, setpriv, iptables). */
  static void assumeRunnable() throws Exception {
    Commands.assumeRootWith("ip", "curl", "setpriv", "iptables");
  }

  /** Starts the server on {@code meshYaml} (as {@code config/mesh.yaml}) with {@code serverFlags}; waits until it serves. */
  static SidecarMesh start(Path tmp, String meshYaml, String... serverFlags) throws Exception {
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    SidecarMesh mesh = new SidecarMesh(new Lan(tmp), tmp, envoy);
    try {
      String server = mesh.lan.machine("server", SERVER, RESOLV);
      Files.createDirectories(mesh.config);
      Files.writeString(mesh.config.resolve("mesh.yaml"), meshYaml);
      List<String> cmd = new ArrayList<>(List.of("server", "--data-dir", mesh.data.toString(), "--config",
          mesh.config.toString(), "--http-address", "0.0.0.0:15014", "--xds-address", "0.0.0.0:15012",
          "--server-name", "vmesh-server,localhost,127.0.0.1," + SERVER));
      cmd.addAll(List.of(serverFlags));
      mesh.lan.background(server, "server", Commands.vmesh(cmd.toArray(String[]::new)));
      mesh.lan.background(server, "unknown", List.of("python3", "-m", "http.server", "8081", "--bind", SERVER));
      await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(mesh.data.resolve("admin-token")));
      return mesh;
    } catch (Exception | AssertionError e) {
      mesh.close();
      throw e;
    }
  }

  /**
   * Adds machine {@code name} at {@code ip}, onboards it into WorkloadGroup {@code group} of namespace
   * {@code mesh} and starts its agent (Envoy, capture with iptables, DNS proxy); returns its netns.
   */
  String vm(String name, String ip, String group) throws Exception {
    return vm(name, ip, group, List.of("--envoy", envoy.toString(), "--capture", "iptables"));
  }

  /**
   * Adds machine {@code name} like {@link #vm}, but its agent runs no Envoy and captures nothing: a VM of
   * proxyless gRPC apps, which find the agent's {@code grpc-bootstrap.json} in {@link #stateDir}.
   */
  String proxylessVm(String name, String ip, String group) throws Exception {
    return vm(name, ip, group, List.of());
  }

  /** The agent's state directory of VM {@code name} (certificates, bootstraps). */
  Path stateDir(String name) {
    return tmp.resolve("state-" + name);
  }

  private String vm(String name, String ip, String group, List<String> agentFlags) throws Exception {
    String ns = lan.machine(name, ip, RESOLV);
    Path etc = tmp.resolve("etc-" + name);
    String server = lan.namespace("server");
    await().atMost(Duration.ofSeconds(60)).until(() -> lan.exec(server, Commands.vmesh("workload", "entry",
        "configure", "--name", group, "-n", "mesh", "-o", etc.toString(), "--autoregister", "--internal-ip", ip,
        "--discovery-address", SERVER + ":15012", "--token-file", data.resolve("admin-token").toString())
        .toArray(String[]::new)).exit() == 0);
    Files.writeString(etc.resolve("cluster.env"), "ISTIO_SERVICE_CIDR='*'\nISTIO_INBOUND_PORTS='*'\n",
        StandardOpenOption.APPEND);
    List<String> cmd = new ArrayList<>(Commands.vmesh("agent", "--config-dir", etc.toString(),
        "--state-dir", Files.createDirectories(stateDir(name)).toString(), "--run-dir",
        Files.createDirectories(tmp.resolve("run-" + name)).toString(), "--status-address", "127.0.0.1:15020",
        "--readiness-address", "127.0.0.1:15021"));
    cmd.addAll(agentFlags);
    Process agent = lan.background(ns, agentLog(name), cmd);
    agents.put(name, agent);
    return ns;
  }

  /** Stops the agent of VM {@code name} as systemd does (SIGTERM) and waits until it has exited; returns its exit. */
  int stopAgent(String name) throws Exception {
    Process agent = agents.get(name);
    agent.destroy();
    if (!agent.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("the agent of " + name + " did not stop within 60 s" + lan.log(agentLog(name)));
    }
    return agent.exitValue();
  }

  /** The Envoy the agent of VM {@code name} runs now, if any. */
  Optional<ProcessHandle> envoy(String name) {
    return agents.get(name).descendants().filter(p -> p.info().command().orElse("").endsWith("/envoy"))
        .filter(ProcessHandle::isAlive).findFirst();
  }

  /** The netns of machine {@code name}. */
  String ns(String name) {
    return lan.namespace(name);
  }

  /** {@code cmd} on VM {@code name} as nobody, an ordinary user whose traffic is captured. */
  Result asNobody(String name, String... cmd) throws Exception {
    return lan.asNobody(ns(name), cmd);
  }

  /** {@code curl -sS -m 5 url} on VM {@code name} as nobody; its output. */
  String curlAsNobody(String name, String url) throws Exception {
    return asNobody(name, "curl", "-sS", "-m", "5", url).out();
  }

  /** Envoy's counter {@code stat} on VM {@code name} (-1 when it has none). */
  long envoyStat(String name, String stat) throws Exception {
    String suffix = stat.substring(stat.lastIndexOf('.') + 1);
    for (String line : lan.exec(ns(name), "curl", "-s", "http://127.0.0.1:15000/stats?filter=" + suffix).out()
        .split("\n")) {
      if (line.startsWith(stat + ": ")) {
        return Long.parseLong(line.substring(stat.length() + 2).strip());
      }
    }
    return -1;
  }

  /** The capture rules, Envoy's listeners, clusters and counters of each VM in {@code names}, and the logs. */
  String diagnostics(String... names) {
    StringBuilder out = new StringBuilder();
    try {
      for (String vm : names) {
        String ns = ns(vm);
        out.append("\n=== ").append(vm).append(" iptables\n").append(lan.exec(ns, "iptables-save", "-t", "nat").out())
            .append("\n=== ").append(vm).append(" envoy stats\n").append(lan.exec(ns, "curl", "-s",
                "http://127.0.0.1:15000/stats?filter=update_(rejected|success)|listener_manager|ssl.handshake|"
                    + "ssl.connection_error|cx_connect_fail|downstream_cx_total").out())
            .append("\n=== ").append(vm).append(" listeners\n")
            .append(lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/listeners").out())
            .append("\n=== ").append(vm).append(" clusters\n")
            .append(lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/clusters?filter=outbound").out())
            .append(lan.log(agentLog(vm)));
      }
      out.append(lan.log("server"));
    } catch (Exception e) {
      out.append(e);
    }
    return out.toString();
  }

  private static String agentLog(String vm) {
    return "agent-" + vm;
  }

  @Override
  public void close() throws Exception {
    lan.close();
  }
}
