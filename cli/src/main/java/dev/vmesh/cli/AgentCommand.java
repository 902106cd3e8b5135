package dev.vmesh.cli;

import dev.vmesh.agent.Agent;
import dev.vmesh.agent.config.AgentConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmesh agent}: the VM side of the mesh. */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run the VM agent: certificate from the mesh CA, registration and health reports over mTLS"
        + " xDS, local xDS and SDS for Envoy and proxyless gRPC apps, status and metrics.",
        "Reads the files 'vmesh workload entry configure' wrote (cluster.env, mesh.yaml, root-cert.pem,"
        + " istio-token) from --config-dir. Each flag can also be set with the environment variable named in"
        + " its description; 'off' disables a listener."})
final class AgentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config-dir", defaultValue = "${env:VMESH_AGENT_CONFIG_DIR:-/etc/vmesh}", paramLabel = "DIR",
      description = "Onboarding files; env VMESH_AGENT_CONFIG_DIR (default: ${DEFAULT-VALUE}).")
  Path configDir;

  @Option(names = "--state-dir", defaultValue = "${env:VMESH_AGENT_STATE_DIR:-/var/lib/vmesh}", paramLabel = "DIR",
      description = "Certificates, bootstrap files, the last DNS table; env VMESH_AGENT_STATE_DIR"
          + " (default: ${DEFAULT-VALUE}).")
  Path stateDir;

  @Option(names = "--run-dir", defaultValue = "${env:VMESH_AGENT_RUN_DIR:-/run/vmesh}", paramLabel = "DIR",
      description = "Where the local xDS socket (xds.sock) goes; env VMESH_AGENT_RUN_DIR (default: ${DEFAULT-VALUE}).")
  Path runDir;

  @Option(names = "--discovery-address", split = ",", paramLabel = "HOST:PORT",
      description = "Server address(es), overriding mesh.yaml's discoveryAddress; env VMESH_DISCOVERY_ADDRESS.")
  List<String> discovery;

  @Option(names = "--status-address", defaultValue = "${env:VMESH_AGENT_STATUS_ADDRESS:-0.0.0.0:15020}",
      paramLabel = "HOST:PORT", description = "Metrics (/metrics), /healthz/ready, /debug/status (default: ${DEFAULT-VALUE}).")
  String statusAddress;

  @Option(names = "--readiness-address", defaultValue = "${env:VMESH_AGENT_READINESS_ADDRESS:-0.0.0.0:15021}",
      paramLabel = "HOST:PORT", description = "Readiness only (/healthz/ready) (default: ${DEFAULT-VALUE}).")
  String readinessAddress;

  @Option(names = "--local-xds-socket", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Serve local xDS and SDS on <run-dir>/xds.sock and write the gRPC and Envoy bootstraps (default: on).")
  boolean localXdsSocket;

  @Option(names = "--local-xds-address", defaultValue = "${env:VMESH_AGENT_LOCAL_XDS_ADDRESS:-off}",
      paramLabel = "HOST:PORT", description = "Also serve local xDS on this loopback address (default: off).")
  String localXdsAddress;

  @Option(names = "--envoy", paramLabel = "PATH", defaultValue = "${env:VMESH_AGENT_ENVOY}",
      description = "Run and supervise this Envoy binary with the agent's bootstrap; env VMESH_AGENT_ENVOY.")
  Path envoy;

  @Option(names = "--envoy-delta", description = "Envoy uses delta (incremental) xDS.")
  boolean envoyDelta;

  @Option(names = "--cert-ttl", defaultValue = "24h", paramLabel = "DURATION",
      description = "Lifetime to ask for the workload certificate (default: ${DEFAULT-VALUE}; renewed at half).")
  String certTtl;

  @Option(names = "--log-level", defaultValue = "${env:VMESH_LOG_LEVEL:-INFO}", paramLabel = "LEVEL")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    Main.setLogLevel(ch.qos.logback.classic.Level.toLevel(logLevel, ch.qos.logback.classic.Level.INFO));
    List<String> disc = discovery;
    String env = System.getenv("VMESH_DISCOVERY_ADDRESS");
    if ((disc == null || disc.isEmpty()) && env != null && !env.isBlank()) {
      disc = List.of(env.split(","));
    }
    AgentConfig config;
    try {
      config = AgentConfig.load(new AgentConfig.Paths(configDir, stateDir, runDir), System.getenv(), disc);
    } catch (AgentConfig.ConfigException e) {
      spec.commandLine().getErr().println("vmesh agent: " + e.getMessage());
      return 1;
    }
    Agent agent = Agent.start(new Agent.Options(config, ServerCommand.hostPort(statusAddress),
        ServerCommand.orOff(readinessAddress), localXdsSocket ? config.paths().xdsSocket() : null,
        ServerCommand.orOff(localXdsAddress), envoy, envoyDelta, ServerCommand.Durations.parse(certTtl),
        Main.Version.version(), null), Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.close();
      stopped.countDown();
    }, "shutdown"));
    spec.commandLine().getOut().println("vmesh agent: " + config.identity().uri() + " at " + config.instanceIps()
        + ", server " + String.join(",", config.discoveryAddresses()) + "; status on http://"
        + agent.status().statusAddress().getHostString() + ":" + agent.status().statusAddress().getPort()
        + "/debug/status");
    stopped.await();
    return 0;
  }
}
