package dev.vmesh.agent.capture;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code DnsCapture} sends the VM's DNS queries to the agent's DNS proxy with netfilter rules, the way
 * istio-iptables does for {@code ISTIO_META_DNS_CAPTURE}:
 *
 * <ul>
 *   <li>nat: UDP and TCP to port 53 of the nameservers in resolv.conf are redirected to the proxy's port
 *       (only those addresses, so a local resolver such as systemd-resolved or dnsmasq that itself
 *       queries upstream does not loop through the proxy);
 *   <li>packets of the agent's own user and group are left alone, so its forwarded queries escape;
 *   <li>raw: conntrack zones keep the two legs apart (agent to upstream and resolver replies in zone 1,
 *       app to resolver and agent replies in zone 2), so a reused UDP 4-tuple cannot skip the redirect.
 * </ul>
 *
 * Rules live in chains (iptables) or a table (nftables) of their own, so installing twice replaces them
 * and removing leaves everything else alone. iptables is used when present, nft otherwise.
 */
public final class DnsCapture {
  private static final Logger LOG = LoggerFactory.getLogger(DnsCapture.class);
  static final String NAT_CHAIN = "VMESH_DNS_OUTPUT";
  static final String RAW_OUTPUT_CHAIN = "VMESH_DNS_RAW_OUTPUT";
  static final String RAW_PREROUTING_CHAIN = "VMESH_DNS_RAW_PREROUTING";
  static final String NFT_TABLE = "vmesh_dns";

  /** Which tool programs the rules. */
  public enum Backend {
    IPTABLES,
    NFT
  }

  /**
   * What to capture.
   *
   * @param nameservers the resolv.conf nameservers (IPv4 and IPv6)
   * @param proxyPort the DNS proxy's port on loopback (15053)
   * @param user the agent's user (name or number), whose packets are not captured
   * @param group the agent's group (name or number), likewise
   */
  public record Settings(List<String> nameservers, int proxyPort, String user, String group) {
    public Settings {
      nameservers = nameservers.stream().map(dev.vmesh.api.Addresses::normalize).distinct().toList();
      for (String id : List.of(user, group)) {
        if (!id.matches("[0-9]+|[a-z_][a-z0-9_-]{0,31}")) {
          throw new IllegalArgumentException("\"" + id + "\" is not a user or group name or number");
        }
      }
      for (String ns : nameservers) {
        if (!dev.vmesh.api.Addresses.isIp(ns)) {
          throw new IllegalArgumentException("nameserver \"" + ns + "\" is not an IP address");
        }
      }
    }
  }

  /**
   * One command: {@code argv}, skipped when {@code unless} (a check) succeeds; a failure is an error
   * unless {@code mayFail}.
   */
  public record Step(List<String> argv, List<String> unless, boolean mayFail) {
    static Step run(String... argv) {
      return new Step(List.of(argv), List.of(), false);
    }

    static Step tryRun(String... argv) {
      return new Step(List.of(argv), List.of(), true);
    }

    static Step unless(List<String> check, String... argv) {
      return new Step(List.of(argv), check, false);
    }

    /** As a shell line. */
    String shell() {
      String cmd = String.join(" ", argv);
      if (!unless.isEmpty()) {
        return String.join(" ", unless) + " 2>/dev/null || " + cmd;
      }
      return mayFail ? cmd + " 2>/dev/null || true" : cmd;
    }
  }

  private DnsCapture() {}

  /** The iptables commands that install the rules, in order (nft takes {@link #nftScript} instead). */
  public static List<Step> install(Settings s) {
    return iptablesInstall(s);
  }

  /** The nft script {@link #install} feeds on stdin for the NFT backend. */
  public static String nftScript(Settings s) {
    StringBuilder sb = new StringBuilder();
    // Declaring then deleting makes the script idempotent: the table is replaced as a whole.
    sb.append("table inet ").append(NFT_TABLE).append(" {}\n");
    sb.append("delete table inet ").append(NFT_TABLE).append("\n");
    sb.append("table inet ").append(NFT_TABLE).append(" {\n");
    sb.append("  chain nat_output {\n    type nat hook output priority -100; policy accept;\n");
    sb.append("    meta skuid ").append(s.user()).append(" return\n");
    sb.append("    meta skgid ").append(s.group()).append(" return\n");
    for (String ns : s.nameservers()) {
      String fam = isV6(ns) ? "ip6" : "ip";
      for (String proto : List.of("udp", "tcp")) {
        sb.append("    ").append(fam).append(" daddr ").append(ns).append(' ').append(proto)
            .append(" dport 53 redirect to :").append(s.proxyPort()).append('\n');
      }
    }
    sb.append("  }\n");
    sb.append("  chain raw_output {\n    type filter hook output priority raw; policy accept;\n");
    sb.append("    meta skuid ").append(s.user()).append(" udp dport 53 ct zone set 1\n");
    sb.append("    meta skuid ").append(s.user()).append(" udp sport ").append(s.proxyPort()).append(" ct zone set 2\n");
    sb.append("    meta skgid ").append(s.group()).append(" udp dport 53 ct zone set 1\n");
    sb.append("    meta skgid ").append(s.group()).append(" udp sport ").append(s.proxyPort()).append(" ct zone set 2\n");
    for (String ns : s.nameservers()) {
      sb.append("    ").append(isV6(ns) ? "ip6" : "ip").append(" daddr ").append(ns)
          .append(" udp dport 53 ct zone set 2\n");
    }
    sb.append("  }\n");
    sb.append("  chain raw_prerouting {\n    type filter hook prerouting priority raw; policy accept;\n");
    for (String ns : s.nameservers()) {
      sb.append("    ").append(isV6(ns) ? "ip6" : "ip").append(" saddr ").append(ns)
          .append(" udp sport 53 ct zone set 1\n");
    }
    sb.append("  }\n}\n");
    return sb.toString();
  }

  /** The commands that remove the rules; each may fail harmlessly when the rules are not there. */
  public static List<Step> remove(Backend backend) {
    if (backend == Backend.NFT) {
      return List.of(Step.tryRun("nft", "delete", "table", "inet", NFT_TABLE));
    }
    List<Step> out = new ArrayList<>();
    for (String tool : List.of("iptables", "ip6tables")) {
      out.add(Step.tryRun(tool, "-w", "-t", "nat", "-D", "OUTPUT", "-j", NAT_CHAIN));
      out.add(Step.tryRun(tool, "-w", "-t", "raw", "-D", "OUTPUT", "-j", RAW_OUTPUT_CHAIN));
      out.add(Step.tryRun(tool, "-w", "-t", "raw", "-D", "PREROUTING", "-j", RAW_PREROUTING_CHAIN));
      for (String[] tc : new String[][] {{"nat", NAT_CHAIN}, {"raw", RAW_OUTPUT_CHAIN}, {"raw", RAW_PREROUTING_CHAIN}}) {
        out.add(Step.tryRun(tool, "-w", "-t", tc[0], "-F", tc[1]));
        out.add(Step.tryRun(tool, "-w", "-t", tc[0], "-X", tc[1]));
      }
    }
    return out;
  }

  private static List<Step> iptablesInstall(Settings s) {
    List<Step> out = new ArrayList<>();
    for (boolean v6 : new boolean[] {false, true}) {
      List<String> servers = s.nameservers().stream().filter(ns -> isV6(ns) == v6).toList();
      if (servers.isEmpty()) {
        continue;
      }
      String tool = v6 ? "ip6tables" : "iptables";
      String host = v6 ? "/128" : "/32";
      // Own chains, created if missing and emptied, hooked in once.
      for (String[] tc : new String[][] {{"nat", NAT_CHAIN, "OUTPUT"}, {"raw", RAW_OUTPUT_CHAIN, "OUTPUT"},
          {"raw", RAW_PREROUTING_CHAIN, "PREROUTING"}}) {
        out.add(Step.tryRun(tool, "-w", "-t", tc[0], "-N", tc[1])); // fails when it exists
        out.add(Step.run(tool, "-w", "-t", tc[0], "-F", tc[1]));
        out.add(Step.unless(List.of(tool, "-w", "-t", tc[0], "-C", tc[2], "-j", tc[1]),
            tool, "-w", "-t", tc[0], "-A", tc[2], "-j", tc[1]));
      }
      String uid = s.user();
      String gid = s.group();
      String port = Integer.toString(s.proxyPort());
      out.add(Step.run(tool, "-w", "-t", "nat", "-A", NAT_CHAIN, "-m", "owner", "--uid-owner", uid, "-j", "RETURN"));
      out.add(Step.run(tool, "-w", "-t", "nat", "-A", NAT_CHAIN, "-m", "owner", "--gid-owner", gid, "-j", "RETURN"));
      for (String ns : servers) {
        for (String proto : List.of("udp", "tcp")) {
          out.add(Step.run(tool, "-w", "-t", "nat", "-A", NAT_CHAIN, "-p", proto, "-d", ns + host, "--dport", "53",
              "-j", "REDIRECT", "--to-ports", port));
        }
      }
      out.add(Step.run(tool, "-w", "-t", "raw", "-A", RAW_OUTPUT_CHAIN, "-p", "udp", "--dport", "53", "-m", "owner",
          "--uid-owner", uid, "-j", "CT", "--zone", "1"));
      out.add(Step.run(tool, "-w", "-t", "raw", "-A", RAW_OUTPUT_CHAIN, "-p", "udp", "--sport", port, "-m", "owner",
          "--uid-owner", uid, "-j", "CT", "--zone", "2"));
      out.add(Step.run(tool, "-w", "-t", "raw", "-A", RAW_OUTPUT_CHAIN, "-p", "udp", "--dport", "53", "-m", "owner",
          "--gid-owner", gid, "-j", "CT", "--zone", "1"));
      out.add(Step.run(tool, "-w", "-t", "raw", "-A", RAW_OUTPUT_CHAIN, "-p", "udp", "--sport", port, "-m", "owner",
          "--gid-owner", gid, "-j", "CT", "--zone", "2"));
      for (String ns : servers) {
        out.add(Step.run(tool, "-w", "-t", "raw", "-A", RAW_OUTPUT_CHAIN, "-p", "udp", "--dport", "53", "-d",
            ns + host, "-j", "CT", "--zone", "2"));
        out.add(Step.run(tool, "-w", "-t", "raw", "-A", RAW_PREROUTING_CHAIN, "-p", "udp", "--sport", "53", "-s",
            ns + host, "-j", "CT", "--zone", "1"));
      }
    }
    return out;
  }

  /** The commands as shell lines, for {@code --dry-run}. */
  public static String describe(Settings s, Backend backend, boolean removing) {
    if (!removing && backend == Backend.NFT) { // s may be null only when removing
      return "nft -f - <<'EOF'\n" + nftScript(s) + "EOF\n";
    }
    StringBuilder sb = new StringBuilder();
    for (Step step : removing ? remove(backend) : install(s)) {
      sb.append(step.shell()).append('\n');
    }
    return sb.toString();
  }

  /** iptables if it is on the PATH, else nft; null if neither. */
  public static Backend detect() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "iptables"))) {
        return Backend.IPTABLES;
      }
    }
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "nft"))) {
        return Backend.NFT;
      }
    }
    return null;
  }

  /**
   * Runs the install commands ({@code prefix} goes before each, e.g. {@code ip netns exec NS} in tests).
   * Throws with the failing command and its output.
   */
  public static void apply(Settings s, Backend backend, List<String> prefix) throws IOException {
    if (backend == Backend.NFT) {
      run(prefix, List.of("nft", "-f", "-"), nftScript(s), true);
      return;
    }
    for (Step step : install(s)) {
      if (!step.unless().isEmpty() && run(prefix, step.unless(), null, false)) {
        continue;
      }
      run(prefix, step.argv(), null, !step.mayFail());
    }
    LOG.info("event=dns_capture_installed backend={} nameservers={} port={}", backend, s.nameservers(),
        s.proxyPort());
  }

  /** Removes the rules; missing rules are not an error. */
  public static void unapply(Backend backend, List<String> prefix) throws IOException {
    for (Step step : remove(backend)) {
      run(prefix, step.argv(), null, false);
    }
    LOG.info("event=dns_capture_removed backend={}", backend);
  }

  /** Runs one command; returns whether it succeeded, throwing instead when {@code required}. */
  private static boolean run(List<String> prefix, List<String> cmd, String stdin, boolean required)
      throws IOException {
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(cmd);
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", argv) + ": no answer within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0 && required) {
      throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): " + output
          + (output.contains("Permission denied") || output.contains("Operation not permitted")
          ? "; the agent needs CAP_NET_ADMIN (the vmesh-agent unit grants it)" : ""));
    }
    return p.exitValue() == 0;
  }

  private static boolean isV6(String ip) {
    try {
      return InetAddress.getByName(ip) instanceof Inet6Address;
    } catch (IOException e) {
      return ip.contains(":");
    }
  }
}
