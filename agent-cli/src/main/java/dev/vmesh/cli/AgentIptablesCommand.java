package dev.vmesh.cli;

import dev.vmesh.agent.capture.CaptureRules;
import dev.vmesh.agent.capture.Netfilter;
import dev.vmesh.agent.capture.Shell;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.agent.config.CaptureConfig;
import dev.vmesh.dns.ResolvConf;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh agent iptables}: the VM's capture rules (traffic for Envoy and DNS for the agent's
 * proxy) as one rule set, installed by root for an agent that runs as another user (the systemd unit
 * runs it before and after the agent), the way Istio's VM start script runs istio-iptables.
 */
@Command(name = "iptables", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Install (or with --remove, remove) the capture rules, in one transaction: outbound TCP to"
        + " Envoy's 15001 and inbound TCP to 15006 (cluster.env's ISTIO_SERVICE_CIDR, ISTIO_INBOUND_PORTS and the"
        + " other istio-iptables keys), and DNS to the agent's proxy on 15053 (ISTIO_META_DNS_CAPTURE='true').",
        "The proxy's user and group (the agent and Envoy), loopback, SSH (22) and the status ports 15020, 15021,"
        + " 15090 are never captured. Traffic is captured only when the agent runs Envoy (VMESH_AGENT_ENVOY, as"
        + " in /etc/default/vmesh-agent, or --traffic on): otherwise nothing would listen on 15001 and 15006.",
        "Installing again replaces the rules; a failed install leaves none."})
final class AgentIptablesCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--dry-run", description = "Print the rules (as iptables-restore or nft input) instead of"
      + " installing them.")
  boolean dryRun;

  @Option(names = "--remove", description = "Remove the rules (missing rules are fine).")
  boolean remove;

  @Option(names = "--config-dir", defaultValue = "${env:VMESH_AGENT_CONFIG_DIR:-/etc/vmesh}", paramLabel = "DIR",
      description = "Where cluster.env is (default: ${DEFAULT-VALUE}).")
  Path configDir;

  @Option(names = "--traffic", defaultValue = "auto", paramLabel = "auto|on|off",
      description = "Capture TCP for Envoy; auto: when VMESH_AGENT_ENVOY names an Envoy (auto or a path), the"
          + " setting that makes the agent run one (default: ${DEFAULT-VALUE}).")
  String traffic;

  @Option(names = "--force", description = "Capture DNS even if cluster.env does not ask for it.")
  boolean force;

  @Option(names = "--resolv-conf", defaultValue = "/etc/resolv.conf", paramLabel = "FILE",
      description = "Whose nameservers to capture (default: ${DEFAULT-VALUE}).")
  Path resolvConf;

  @Option(names = "--user", paramLabel = "USER", description = "The proxy's user, never captured (default:"
      + " cluster.env's PROXY_UID, else vmesh).")
  String user;

  @Option(names = "--group", paramLabel = "GROUP", description = "The proxy's group, never captured (default:"
      + " cluster.env's PROXY_GID, else vmesh).")
  String group;

  @Option(names = {"--dns-port", "--port"}, defaultValue = "15053", paramLabel = "PORT",
      description = "The DNS proxy's port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|iptables|nft",
      description = "auto: iptables if installed, else nft (nft first with NATIVE_NFTABLES='true') (default:"
          + " ${DEFAULT-VALUE}).")
  String backend;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CaptureConfig config;
    try {
      config = CaptureConfig.load(configDir.resolve("cluster.env"), System.getenv());
    } catch (AgentConfig.ConfigException e) {
      err.println("vmesh agent iptables: " + e.getMessage());
      if (!remove) {
        return 1;
      }
      // Removing needs nothing from cluster.env: a broken file must not keep the rules in place.
      config = CaptureConfig.from(Map.of("ISTIO_SVC_IP", "127.0.0.1"), "defaults");
    }
    if (config.customIptables()) {
      out.println("vmesh agent iptables: cluster.env sets ISTIO_CUSTOM_IP_TABLES='true': the capture rules are"
          + " yours to manage; nothing done");
      return 0;
    }
    Netfilter.Backend b = backend(backend, config.nativeNftables(), dryRun);
    Netfilter netfilter = new Netfilter(b, new Shell(List.of()));
    String tool = b.name().toLowerCase(Locale.ROOT);
    if (remove) {
      if (dryRun) {
        out.print(netfilter.describeRemoval());
      } else {
        netfilter.remove();
        out.println("vmesh agent iptables: capture rules removed (" + tool + ")");
      }
      return 0;
    }
    boolean withTraffic = switch (traffic) {
      case "on" -> true;
      case "off" -> false;
      case "auto" -> envoyConfigured(System.getenv("VMESH_AGENT_ENVOY"));
      default -> throw new IllegalArgumentException("--traffic must be auto, on or off, not \"" + traffic + "\"");
    };
    boolean withDns = force || config.dnsCapture();
    List<String> nameservers = List.of();
    if (withDns) {
      nameservers = ResolvConf.read(resolvConf).nameservers().stream().map(a -> a.getAddress().getHostAddress())
          .distinct().toList();
      if (nameservers.isEmpty() && !config.captureAllDns()) {
        if (!withTraffic || !config.capturesInbound() && !config.capturesOutbound()) {
          err.println("vmesh agent iptables: " + resolvConf + " names no nameserver; nothing to capture");
          return 1;
        }
        err.println("vmesh agent iptables: " + resolvConf + " names no nameserver; DNS is not captured");
        withDns = false;
      }
    }
    List<String> uids = first(user, config.proxyUids(), "vmesh");
    List<String> gids = first(group, config.proxyGids(), "vmesh");
    CaptureRules.Inputs in = new CaptureRules.Inputs(config, withTraffic, withDns, uids, gids, nameservers, port,
        config.ipv6Traffic());
    var v4 = CaptureRules.of(in, false);
    var v6 = CaptureRules.of(in, true);
    if (dryRun) {
      if (v4.isEmpty() && v6.isEmpty()) {
        out.println("vmesh agent iptables: " + nothing(config, withTraffic, withDns) + "; nothing to capture");
      } else {
        out.print(netfilter.describe(v4, v6));
      }
      return 0;
    }
    netfilter.apply(v4, v6); // with nothing to capture this removes what an earlier run left
    if (v4.isEmpty() && v6.isEmpty()) {
      out.println("vmesh agent iptables: " + nothing(config, withTraffic, withDns) + "; no capture rules");
      return 0;
    }
    List<String> what = new ArrayList<>();
    if (withTraffic && (config.capturesInbound() || config.capturesOutbound())) {
      what.add("TCP " + (config.capturesOutbound() ? "out to 15001" : "") + (config.capturesInbound()
          && config.capturesOutbound() ? " and " : "") + (config.capturesInbound() ? "in to "
          + config.inboundCapturePort() : ""));
    }
    if (withDns) {
      what.add("DNS to " + (config.captureAllDns() ? "any server" : nameservers) + " to port " + port);
    }
    out.println("vmesh agent iptables: " + String.join("; ", what) + " (" + tool + "; " + String.join(",", uids)
        + "/" + String.join(",", gids) + " exempt)");
    return 0;
  }

  private static String nothing(CaptureConfig c, boolean traffic, boolean dns) {
    String t = !traffic ? "traffic capture is off (no Envoy: VMESH_AGENT_ENVOY is unset; --traffic on forces it)"
        : "cluster.env captures no traffic (ISTIO_SERVICE_CIDR and ISTIO_INBOUND_PORTS are empty)";
    String d = dns ? "" : ", DNS capture is off (ISTIO_META_DNS_CAPTURE)";
    return t + d;
  }

  /** Whether the agent's {@code --envoy} setting (from the environment) makes it run Envoy. */
  static boolean envoyConfigured(String value) {
    return value != null && !value.isBlank() && !value.strip().equals("off");
  }

  private static List<String> first(String flag, List<String> fromEnv, String fallback) {
    if (flag != null && !flag.isBlank()) {
      return List.of(flag.split(","));
    }
    return fromEnv.isEmpty() ? List.of(fallback) : fromEnv;
  }

  static Netfilter.Backend backend(String name, boolean preferNft, boolean dryRun) {
    return switch (name) {
      case "iptables" -> Netfilter.Backend.IPTABLES;
      case "nft" -> Netfilter.Backend.NFT;
      case "auto" -> {
        Netfilter.Backend b = Netfilter.detect(preferNft);
        if (b == null && dryRun) {
          yield preferNft ? Netfilter.Backend.NFT : Netfilter.Backend.IPTABLES;
        }
        if (b == null) {
          throw new IllegalArgumentException("neither iptables nor nft is installed; install one (apt-get install"
              + " iptables) or capture another way");
        }
        yield b;
      }
      default -> throw new IllegalArgumentException("--backend must be auto, iptables or nft, not \"" + name + "\"");
    };
  }
}
