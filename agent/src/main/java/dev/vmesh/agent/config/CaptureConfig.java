package dev.vmesh.agent.config;

import dev.vmesh.api.Addresses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code CaptureConfig} is what the traffic and DNS capture rules are built from: istio-iptables'
 * settings under Istio's own {@code cluster.env} / environment keys (section A.2 of the data-plane
 * spec), checked once, each error naming the key, the value and the fix.
 *
 * <p>Empty {@code ISTIO_INBOUND_PORTS} means no inbound capture and empty {@code ISTIO_SERVICE_CIDR}
 * (with no {@code ISTIO_OUTBOUND_PORTS}) no outbound capture, as in Istio. Where vmesh departs: with
 * inbound {@code *}, SSH and the agent's and Envoy's status ports ({@link #ALWAYS_EXCLUDED_INBOUND}) are
 * never captured, whatever {@code ISTIO_LOCAL_EXCLUDE_PORTS} says; {@code PROXY_GID} defaults to the
 * proxy's group, not to the uid's number; TPROXY and {@code KUBE_VIRT_INTERFACES} are refused.
 *
 * @param inboundAll capture every inbound TCP port ({@code ISTIO_INBOUND_PORTS='*'})
 * @param inboundPorts the inbound ports to capture when not all
 * @param inboundExcludePorts not captured when inbound is all ({@code ISTIO_LOCAL_EXCLUDE_PORTS} and
 *     {@link #ALWAYS_EXCLUDED_INBOUND})
 * @param outboundAll capture outbound TCP to every address ({@code ISTIO_SERVICE_CIDR='*'})
 * @param outboundCidrs outbound destinations to capture when not all
 * @param outboundExcludeCidrs never captured ({@code ISTIO_SERVICE_EXCLUDE_CIDR})
 * @param outboundPorts captured to any destination ({@code ISTIO_OUTBOUND_PORTS})
 * @param outboundExcludePorts never captured, TCP and UDP ({@code ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE})
 * @param excludeInterfaces traffic through these is never captured ({@code ISTIO_EXCLUDE_INTERFACES})
 * @param proxyUids exempt users, empty for the caller's default ({@code PROXY_UID})
 * @param proxyGids exempt groups, empty for the caller's default ({@code PROXY_GID})
 * @param ownerGroupsInclude capture only these groups' outbound, empty for all ({@code ISTIO_OUTBOUND_OWNER_GROUPS})
 * @param ownerGroupsExclude never capture these groups' outbound ({@code ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE})
 * @param loopbackCidr what counts as localhost ({@code ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR})
 * @param ipv6Traffic capture IPv6 TCP as well: with dual stack ({@code ISTIO_DUAL_STACK}), or when the VM's
 *     first address ({@code INSTANCE_IP}, {@code ISTIO_SVC_IP}, else the first interface's) is IPv6, as Istio
 */
public record CaptureConfig(
    boolean inboundAll,
    List<Integer> inboundPorts,
    List<Integer> inboundExcludePorts,
    boolean outboundAll,
    List<String> outboundCidrs,
    List<String> outboundExcludeCidrs,
    List<Integer> outboundPorts,
    List<Integer> outboundExcludePorts,
    List<String> excludeInterfaces,
    int inboundCapturePort,
    int inboundTunnelPort,
    List<String> proxyUids,
    List<String> proxyGids,
    List<String> ownerGroupsInclude,
    List<String> ownerGroupsExclude,
    String loopbackCidr,
    boolean dnsCapture,
    boolean captureAllDns,
    boolean dropInvalid,
    boolean dualStack,
    boolean ipv6Traffic,
    boolean customIptables,
    boolean nativeNftables) {

  /** Envoy's outbound capture port (Istio's {@code envoy-port}, which has no environment key). */
  public static final int OUTBOUND_CAPTURE_PORT = 15001;
  /** SSH, Envoy's Prometheus listener, the agent's readiness and status ports: never captured with inbound '*'. */
  public static final List<Integer> ALWAYS_EXCLUDED_INBOUND = List.of(22, 15090, 15021, 15020);

  /** The keys read here, as Istio names them. */
  public static final Set<String> KEYS = Set.of("ISTIO_INBOUND_PORTS", "ISTIO_LOCAL_EXCLUDE_PORTS",
      "ISTIO_SERVICE_CIDR", "ISTIO_SERVICE_EXCLUDE_CIDR", "ISTIO_OUTBOUND_PORTS", "ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE",
      "ISTIO_INBOUND_INTERCEPTION_MODE", "ISTIO_EXCLUDE_INTERFACES", "KUBE_VIRT_INTERFACES", "INBOUND_CAPTURE_PORT",
      "INBOUND_TUNNEL_PORT", "PROXY_UID", "PROXY_GID", "ISTIO_META_DNS_CAPTURE", "REDIRECT_DNS", "CAPTURE_ALL_DNS",
      "INVALID_DROP", "DROP_INVALID", "ISTIO_DUAL_STACK", "DUAL_STACK", "ISTIO_OUTBOUND_OWNER_GROUPS",
      "ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", "ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", "ISTIO_CUSTOM_IP_TABLES",
      "NATIVE_NFTABLES", "INSTANCE_IP", "ISTIO_SVC_IP");

  public CaptureConfig {
    inboundPorts = List.copyOf(inboundPorts);
    inboundExcludePorts = List.copyOf(inboundExcludePorts);
    outboundCidrs = List.copyOf(outboundCidrs);
    outboundExcludeCidrs = List.copyOf(outboundExcludeCidrs);
    outboundPorts = List.copyOf(outboundPorts);
    outboundExcludePorts = List.copyOf(outboundExcludePorts);
    excludeInterfaces = List.copyOf(excludeInterfaces);
    proxyUids = List.copyOf(proxyUids);
    proxyGids = List.copyOf(proxyGids);
    ownerGroupsInclude = List.copyOf(ownerGroupsInclude);
    ownerGroupsExclude = List.copyOf(ownerGroupsExclude);
  }

  /** Whether any inbound port is captured. */
  public boolean capturesInbound() {
    return inboundAll || !inboundPorts.isEmpty();
  }

  /** Whether any outbound traffic is captured. */
  public boolean capturesOutbound() {
    return outboundAll || !outboundCidrs.isEmpty() || !outboundPorts.isEmpty();
  }

  /** Reads {@code clusterEnv} (missing is fine: nothing captured) and lets {@code env} override its {@link #KEYS}. */
  public static CaptureConfig load(Path clusterEnv, Map<String, String> env) throws AgentConfig.ConfigException {
    Map<String, String> settings = new TreeMap<>();
    try {
      settings.putAll(ClusterEnv.parse(clusterEnv.toString(), Files.readString(clusterEnv)));
    } catch (NoSuchFileException e) {
      // no onboarding file: Istio's defaults, which capture nothing
    } catch (IOException e) {
      throw new AgentConfig.ConfigException(clusterEnv + ": cannot read: " + e.getMessage());
    } catch (ClusterEnv.FormatException e) {
      throw new AgentConfig.ConfigException(e.getMessage());
    }
    return from(overlay(settings, env), clusterEnv.toString());
  }

  /** {@code settings} with {@code env}'s values for the capture keys on top (the start script's order). */
  public static Map<String, String> overlay(Map<String, String> settings, Map<String, String> env) {
    Map<String, String> out = new TreeMap<>(settings);
    env.forEach((k, v) -> {
      if (KEYS.contains(k)) {
        out.put(k, v);
      }
    });
    return out;
  }

  /** The settings' capture keys, checked; {@code source} names where they came from in errors. */
  public static CaptureConfig from(Map<String, String> settings, String source) throws AgentConfig.ConfigException {
    Keys k = new Keys(settings, source);
    String mode = k.raw("ISTIO_INBOUND_INTERCEPTION_MODE");
    if (mode.equalsIgnoreCase("TPROXY")) {
      throw k.error("ISTIO_INBOUND_INTERCEPTION_MODE", "vmesh captures inbound traffic with REDIRECT only (Envoy"
          + " runs as an unprivileged user and TPROXY needs it to run as root); remove the key or set REDIRECT");
    }
    if (!k.raw("KUBE_VIRT_INTERFACES").isEmpty()) {
      throw k.error("KUBE_VIRT_INTERFACES", "this is for KubeVirt pods and has no meaning on a VM; remove the key");
    }
    boolean inboundAll = k.raw("ISTIO_INBOUND_PORTS").equals("*");
    List<Integer> inbound = inboundAll ? List.of() : k.ports("ISTIO_INBOUND_PORTS");
    List<Integer> inboundExclude = new ArrayList<>(ALWAYS_EXCLUDED_INBOUND);
    for (int p : k.ports("ISTIO_LOCAL_EXCLUDE_PORTS")) {
      if (!inboundExclude.contains(p)) {
        inboundExclude.add(p);
      }
    }
    boolean outboundAll = k.raw("ISTIO_SERVICE_CIDR").equals("*");
    List<String> cidrs = outboundAll ? List.of() : k.cidrs("ISTIO_SERVICE_CIDR");
    if (k.raw("ISTIO_SERVICE_EXCLUDE_CIDR").equals("*")) {
      throw k.error("ISTIO_SERVICE_EXCLUDE_CIDR", "'*' would exclude everything; to capture no outbound traffic"
          + " leave ISTIO_SERVICE_CIDR empty instead");
    }
    List<String> groupsIn = k.raw("ISTIO_OUTBOUND_OWNER_GROUPS").equals("*") ? List.of()
        : k.ids("ISTIO_OUTBOUND_OWNER_GROUPS");
    List<String> groupsOut = k.ids("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE");
    if (!groupsIn.isEmpty() && !groupsOut.isEmpty()) {
      throw k.error("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", "set either ISTIO_OUTBOUND_OWNER_GROUPS (capture only"
          + " these groups) or ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE (capture all but these), not both");
    }
    String loopback = k.raw("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR").isEmpty() ? "127.0.0.1/32"
        : k.cidrs("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR").get(0);
    if (loopback.contains(":") || !loopback.startsWith("127.")) {
      throw k.error("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR", "must be an IPv4 range inside 127.0.0.0/8, such as"
          + " '127.0.0.1/32'");
    }
    boolean dualStack = k.bool("ISTIO_DUAL_STACK") || k.bool("DUAL_STACK");
    List<String> ips = ClusterEnv.list(k.raw("INSTANCE_IP").isEmpty() ? k.raw("ISTIO_SVC_IP") : k.raw("INSTANCE_IP"));
    if (ips.isEmpty()) {
      ips = AgentConfig.detectAddresses();
    }
    boolean v6First = !ips.isEmpty() && ips.get(0).contains(":");
    return new CaptureConfig(inboundAll, inbound, inboundExclude, outboundAll, cidrs,
        k.cidrs("ISTIO_SERVICE_EXCLUDE_CIDR"), k.ports("ISTIO_OUTBOUND_PORTS"),
        k.ports("ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE"), k.interfaces("ISTIO_EXCLUDE_INTERFACES"),
        k.port("INBOUND_CAPTURE_PORT", 15006), k.port("INBOUND_TUNNEL_PORT", 15008), k.ids("PROXY_UID"),
        k.ids("PROXY_GID"), groupsIn, groupsOut, loopback,
        k.bool("ISTIO_META_DNS_CAPTURE") || k.bool("REDIRECT_DNS"), k.bool("CAPTURE_ALL_DNS"),
        k.bool("INVALID_DROP") || k.bool("DROP_INVALID"), dualStack, dualStack || v6First,
        k.bool("ISTIO_CUSTOM_IP_TABLES"), k.bool("NATIVE_NFTABLES"));
  }

  /** Reads and checks single keys. */
  private record Keys(Map<String, String> settings, String source) {
    String raw(String key) {
      return settings.getOrDefault(key, "").strip();
    }

    AgentConfig.ConfigException error(String key, String why) {
      return new AgentConfig.ConfigException(source + ": " + key + "='" + raw(key) + "': " + why);
    }

    List<Integer> ports(String key) throws AgentConfig.ConfigException {
      List<Integer> out = new ArrayList<>();
      for (String s : ClusterEnv.list(raw(key))) {
        int p = parsePort(s);
        if (p < 0) {
          throw error(key, "\"" + s + "\" is not a port (1-65535); write a comma-separated list such as '80,443'"
              + (key.equals("ISTIO_INBOUND_PORTS") ? ", or '*' for all" : ""));
        }
        if (!out.contains(p)) {
          out.add(p);
        }
      }
      return out;
    }

    int port(String key, int fallback) throws AgentConfig.ConfigException {
      String s = raw(key);
      if (s.isEmpty()) {
        return fallback;
      }
      int p = parsePort(s);
      if (p < 0) {
        throw error(key, "not a port (1-65535); remove the key for the default " + fallback);
      }
      return p;
    }

    List<String> cidrs(String key) throws AgentConfig.ConfigException {
      List<String> out = new ArrayList<>();
      for (String s : ClusterEnv.list(raw(key))) {
        String c = cidr(s);
        if (c == null) {
          throw error(key, "\"" + s + "\" is not an address range; write CIDRs such as '10.0.0.0/8,fd00::/8'"
              + (key.equals("ISTIO_SERVICE_CIDR") ? ", or '*' for all" : ""));
        }
        if (!out.contains(c)) {
          out.add(c);
        }
      }
      return out;
    }

    List<String> ids(String key) throws AgentConfig.ConfigException {
      List<String> out = new ArrayList<>();
      for (String s : ClusterEnv.list(raw(key))) {
        if (!s.matches("[0-9]{1,10}|[a-z_][a-z0-9_-]{0,31}\\$?")) {
          throw error(key, "\"" + s + "\" is not a user or group name or number; write names or numbers"
              + " separated by commas");
        }
        out.add(s);
      }
      return out;
    }

    List<String> interfaces(String key) throws AgentConfig.ConfigException {
      List<String> out = new ArrayList<>();
      for (String s : ClusterEnv.list(raw(key))) {
        if (!s.matches("[A-Za-z0-9_.@:-]{1,15}")) {
          throw error(key, "\"" + s + "\" is not a network interface name (up to 15 letters, digits, . _ - @ :)");
        }
        out.add(s);
      }
      return out;
    }

    boolean bool(String key) throws AgentConfig.ConfigException {
      return switch (raw(key).toLowerCase(Locale.ROOT)) {
        case "", "0", "f", "false" -> false;
        case "1", "t", "true" -> true;
        default -> throw error(key, "not a boolean; write 'true' or 'false'");
      };
    }
  }

  private static int parsePort(String s) {
    if (!s.matches("[0-9]{1,5}")) {
      return -1;
    }
    int p = Integer.parseInt(s);
    return p >= 1 && p <= 65535 ? p : -1;
  }

  /** {@code s} as ADDRESS/PREFIX (a bare address gets /32 or /128), or null when it is not one. */
  static String cidr(String s) {
    int slash = s.indexOf('/');
    String ip = slash < 0 ? s : s.substring(0, slash);
    if (!Addresses.isIp(ip)) {
      return null;
    }
    ip = Addresses.normalize(ip);
    int max = ip.contains(":") ? 128 : 32;
    if (slash < 0) {
      return ip + "/" + max;
    }
    String len = s.substring(slash + 1);
    if (!len.matches("[0-9]{1,3}") || Integer.parseInt(len) > max) {
      return null;
    }
    return ip + "/" + Integer.parseInt(len);
  }
}
