package dev.vmesh.agent.config;

import dev.vmesh.api.Problem;
import dev.vmesh.api.ProxyConfig;
import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.codec.MeshConfigCodec;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.pki.SpiffeId;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * {@code AgentConfig} is everything the agent runs with, resolved once at start from the onboarding
 * files and the environment. Settings are layered the way Istio's VM start script layers them:
 * {@code mesh.yaml}'s {@code proxyMetadata}, then {@code cluster.env}, then the process environment
 * (for the keys Istio defines), later wins.
 *
 * @param settings the merged {@code KEY=value} settings (ISTIO_META_*, POD_NAMESPACE, ...)
 * @param instanceIps the VM's addresses as the mesh sees them, first is the WorkloadEntry address
 * @param discoveryAddresses the server's xDS and CA addresses, tried in order
 * @param serverName the name the server's certificate must carry, or empty for the address's host
 * @param proxyType the node type the agent announces: {@code sidecar}, or {@code router} for a network gateway
 *     ({@link #asGateway})
 */
public record AgentConfig(
    Paths paths,
    Map<String, String> settings,
    SpiffeId identity,
    List<String> instanceIps,
    String podName,
    Map<String, String> labels,
    String network,
    String locality,
    String autoRegisterGroup,
    String workloadEntry,
    String clusterId,
    List<String> discoveryAddresses,
    String caAddress,
    String serverName,
    ReadinessProbe probe,
    int statusPort,
    List<Problem> notices,
    String proxyType) {

  /** Readiness port, as Istio's sidecar. */
  public static final int READINESS_PORT = 15021;

  private static final Pattern ENV_KEYS = Pattern.compile(
      "ISTIO_.*|POD_NAME|POD_NAMESPACE|SERVICE_ACCOUNT|TRUST_DOMAIN|INSTANCE_IP|CA_ADDR|ISTIOD_SAN|CANONICAL_.*"
          + "|REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION|" + String.join("|", CaptureConfig.KEYS));

  /**
   * Where the agent's files are.
   *
   * @param configDir onboarding files: cluster.env, mesh.yaml, root-cert.pem, istio-token ({@code /etc/vmesh})
   * @param stateDir certificates, the last DNS table, bootstrap files ({@code /var/lib/vmesh})
   * @param runDir the local xDS socket (which also serves SDS) ({@code /run/vmesh})
   */
  public record Paths(Path configDir, Path stateDir, Path runDir) {
    public Path clusterEnv() {
      return configDir.resolve("cluster.env");
    }

    public Path meshConfig() {
      return configDir.resolve("mesh.yaml");
    }

    public Path rootCert() {
      return configDir.resolve("root-cert.pem");
    }

    public Path token() {
      return configDir.resolve("istio-token");
    }

    public Path certDir() {
      return stateDir.resolve("certs");
    }

    public Path xdsSocket() {
      return runDir.resolve("xds.sock");
    }

    public Path grpcBootstrap() {
      return stateDir.resolve("grpc-bootstrap.json");
    }

    public Path envoyBootstrap() {
      return stateDir.resolve("envoy-bootstrap.json");
    }

    public Path nameTableCache() {
      return stateDir.resolve("dns").resolve("name-table.json");
    }
  }

  /** The onboarding files are missing or wrong; the message names the file, line and fix. */
  public static final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
      super(message);
    }
  }

  /**
   * Reads the onboarding files under {@code paths} with {@code env} as the process environment.
   * {@code discoveryOverride} (a flag) replaces mesh.yaml's discoveryAddress when not empty.
   */
  public static AgentConfig load(Paths paths, Map<String, String> env, List<String> discoveryOverride)
      throws ConfigException {
    requireOnboardingFiles(paths);
    List<Problem> notices = new ArrayList<>();
    ProxyConfig mesh = readMesh(paths.meshConfig(), notices);
    Map<String, String> settings = new TreeMap<>(mesh.proxyMetadata());
    settings.putAll(readClusterEnv(paths.clusterEnv()));
    env.forEach((k, v) -> {
      if (ENV_KEYS.matcher(k).matches()) {
        settings.put(k, v);
      }
    });

    String namespace = first(settings.get("POD_NAMESPACE"), settings.get("ISTIO_NAMESPACE"), "default");
    String sa = first(settings.get("SERVICE_ACCOUNT"), "default");
    String trustDomain = first(settings.get("TRUST_DOMAIN"), "cluster.local");
    SpiffeId identity;
    try {
      identity = new SpiffeId(trustDomain, namespace, sa);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(paths.clusterEnv() + ": POD_NAMESPACE/SERVICE_ACCOUNT: " + e.getMessage()
          + "; regenerate the files with vmesh workload entry configure");
    }
    List<String> ips = ClusterEnv.list(first(settings.get("INSTANCE_IP"), settings.get("ISTIO_SVC_IP"), ""));
    if (ips.isEmpty()) {
      ips = detectAddresses();
    }
    if (ips.isEmpty()) {
      throw new ConfigException("no address for this VM: no INSTANCE_IP or ISTIO_SVC_IP in " + paths.clusterEnv()
          + " or the environment, and no non-loopback interface is up; set ISTIO_SVC_IP='<ip>' in cluster.env");
    }
    Map<String, String> labels = labels(settings, paths.clusterEnv());
    List<String> discovery = discoveryOverride != null && !discoveryOverride.isEmpty() ? discoveryOverride
        : mesh.discoveryAddresses();
    if (discovery.isEmpty()) {
      throw new ConfigException(paths.meshConfig() + ": defaultConfig.discoveryAddress is missing; set it to the"
          + " server's host:15012 (vmesh workload entry configure --discovery-address) or pass --discovery-address");
    }
    return new AgentConfig(paths, Collections.unmodifiableMap(settings), identity, List.copyOf(ips),
        first(settings.get("POD_NAME"), hostName()), labels, first(settings.get("ISTIO_META_NETWORK"), ""),
        locality(labels, settings), first(settings.get("ISTIO_META_AUTO_REGISTER_GROUP"), ""),
        first(settings.get("ISTIO_META_WORKLOAD_ENTRY"), ""), first(settings.get("ISTIO_META_CLUSTER_ID"), ""),
        List.copyOf(discovery), first(settings.get("CA_ADDR"), discovery.get(0)),
        first(settings.get("ISTIOD_SAN"), ""), mesh.readinessProbe(), mesh.effectiveStatusPort(), List.copyOf(notices),
        SIDECAR);
  }

  /**
   * Refuses to start from a directory without cluster.env and mesh.yaml (a VM not onboarded yet, or the
   * wrong --config-dir), naming the directory and how to fill it, before anything else is read.
   */
  private static void requireOnboardingFiles(Paths paths) throws ConfigException {
    if (Files.exists(paths.clusterEnv()) || Files.exists(paths.meshConfig())) {
      return;
    }
    String problem = Files.isDirectory(paths.configDir()) ? "no onboarding files in " + paths.configDir()
        : "no onboarding files: " + paths.configDir() + " does not exist";
    throw new ConfigException(problem + " (run vmesh workload entry configure -o DIR where the server is reachable,"
        + " copy DIR's files to " + paths.configDir() + ", or point --config-dir at DIR)");
  }

  /** The host probes use when they name none: localhost when asked to (external IPs), else the first IP. */
  public String probeHost() {
    return "true".equalsIgnoreCase(settings.getOrDefault("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", ""))
        ? "localhost" : instanceIps.get(0);
  }

  /** Istio's node id: {@code sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local} ({@code router~...} for a gateway). */
  public String nodeId() {
    return proxyType + "~" + instanceIps.get(0) + "~" + podName + "." + identity.namespace() + "~"
        + identity.namespace() + ".svc.cluster.local";
  }

  /** The node type of a VM's agent. */
  public static final String SIDECAR = "sidecar";
  /** The node type of a network gateway ({@code vmesh gateway}): it gets gateway config, not a sidecar's. */
  public static final String ROUTER = "router";

  /**
   * This config as a network gateway's: node type {@code router}; on {@code network} (empty: the onboarding
   * files' {@code ISTIO_META_NETWORK}), which it also asks to see only ({@code REQUESTED_NETWORK_VIEW}: a gateway
   * forwards inside its own network); with {@code labels} added to the workload's (what Gateways select) and the
   * label {@code topology.istio.io/network}.
   */
  public AgentConfig asGateway(String network, Map<String, String> labels) {
    String net = network == null || network.isBlank() ? this.network : network.strip();
    Map<String, String> merged = new TreeMap<>(this.labels);
    merged.putAll(labels);
    Map<String, String> s = new TreeMap<>(settings);
    if (!net.isEmpty()) {
      merged.put("topology.istio.io/network", net);
      s.put("ISTIO_META_NETWORK", net);
      s.put("ISTIO_META_REQUESTED_NETWORK_VIEW", net);
    }
    s.remove("ISTIO_METAJSON_LABELS"); // the node's LABELS are {@link #labels} (Nodes), now merged
    return new AgentConfig(paths, Collections.unmodifiableMap(s), identity, instanceIps, podName,
        Collections.unmodifiableMap(merged), net, locality, autoRegisterGroup, workloadEntry, clusterId,
        discoveryAddresses, caAddress, serverName, probe, statusPort, notices, ROUTER);
  }

  /** Whether the agent runs as a network gateway. */
  public boolean gateway() {
    return ROUTER.equals(proxyType);
  }

  /** Settings with a prefix, prefix removed ({@code ISTIO_META_} gives node metadata). */
  public Map<String, String> withPrefix(String prefix) {
    Map<String, String> out = new LinkedHashMap<>();
    settings.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }

  private static ProxyConfig readMesh(Path file, List<Problem> notices) throws ConfigException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return new ProxyConfig(List.of(), Map.of(), null, 0);
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    }
    MeshConfigCodec.Decoded d = MeshConfigCodec.decode(file.toString(), text);
    if (d.hasErrors()) {
      throw new ConfigException(String.join("\n", d.problems().stream().filter(Problem::isError)
          .map(Problem::toString).toList()));
    }
    notices.addAll(d.problems());
    return d.config();
  }

  private static Map<String, String> readClusterEnv(Path file) throws ConfigException {
    try {
      return ClusterEnv.parse(file.toString(), Files.readString(file));
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage());
    } catch (ClusterEnv.FormatException e) {
      throw new ConfigException(e.getMessage());
    }
  }

  private static Map<String, String> labels(Map<String, String> settings, Path source) throws ConfigException {
    String json = settings.get("ISTIO_METAJSON_LABELS");
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    var parsed = SourceParser.parseJson("ISTIO_METAJSON_LABELS", json);
    if (parsed.hasErrors() || parsed.documents().isEmpty()
        || !(parsed.documents().get(0) instanceof SourceNode.MapNode m)) {
      throw new ConfigException(source + ": ISTIO_METAJSON_LABELS is not a JSON object of strings: " + json);
    }
    Map<String, String> out = new TreeMap<>();
    for (var f : m.fields().values()) {
      if (!(f.value() instanceof SourceNode.Scalar s) || s.type() != SourceNode.ScalarType.STRING) {
        throw new ConfigException(source + ": ISTIO_METAJSON_LABELS: label \"" + f.key() + "\" must be a string");
      }
      out.put(f.key(), s.text());
    }
    return Collections.unmodifiableMap(out);
  }

  /** region/zone/subzone from the topology labels, the legacy istio-locality label, or ISTIO_LOCALITY. */
  private static String locality(Map<String, String> labels, Map<String, String> settings) {
    String region = labels.getOrDefault("topology.kubernetes.io/region", "");
    if (!region.isEmpty()) {
      return region + "/" + labels.getOrDefault("topology.kubernetes.io/zone", "") + "/"
          + labels.getOrDefault("topology.istio.io/subzone", "");
    }
    String legacy = labels.getOrDefault("istio-locality", "");
    if (!legacy.isEmpty()) {
      return legacy.replace('.', '/');
    }
    return settings.getOrDefault("ISTIO_LOCALITY", "");
  }

  /** Addresses of interfaces that are up, IPv4 first, without loopback and link-local ones. */
  public static List<String> detectAddresses() {
    List<String> v4 = new ArrayList<>();
    List<String> v6 = new ArrayList<>();
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nic.getInetAddresses())) {
          if (a.isLoopbackAddress() || a.isLinkLocalAddress()) {
            continue;
          }
          String text = a.getHostAddress();
          int scope = text.indexOf('%');
          (a instanceof Inet4Address ? v4 : v6).add(scope >= 0 ? text.substring(0, scope) : text);
        }
      }
    } catch (SocketException e) {
      return List.of();
    }
    v4.addAll(v6);
    return v4;
  }

  private static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h == null || h.isBlank()) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        h = "vm";
      }
    }
    int dot = h.indexOf('.');
    return dot > 0 ? h.substring(0, dot) : h;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return "";
  }
}
