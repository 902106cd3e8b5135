package dev.vmesh.agent.capture;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Netfilter} installs and removes the capture rule set, all at once or not at all:
 *
 * <ul>
 *   <li>iptables: one {@code iptables-restore --noflush} transaction per address family. It deletes the
 *       jumps to vmesh chains it finds in the built-in chains, empties or creates vmesh's chains, fills
 *       them and hooks them in again, and deletes any other {@code VMESH_*} chain (an older version's).
 *       Installing twice gives the same rules; other software's rules are not touched.
 *   <li>nft: one {@code nft -f} transaction that replaces the tables {@code ip vmesh} and
 *       {@code ip6 vmesh} whole (and deletes {@code inet vmesh_dns}, an older version's).
 * </ul>
 *
 * If a transaction fails (a kernel module missing, an unknown user), the tool leaves that family as it
 * was, and then every vmesh rule is removed (the IPv4 part that went in before a failed IPv6 part, or an
 * earlier run's rules): a VM never keeps half a rule set, and without capture it is still reachable.
 * The error names the command and its output.
 */
public final class Netfilter {
  private static final Logger LOG = LoggerFactory.getLogger(Netfilter.class);
  static final String NFT_TABLE = "vmesh";
  static final String LEGACY_NFT_TABLE = "vmesh_dns";
  private static final List<String> TABLES = List.of("nat", "raw", "mangle");

  /** Which tool programs the rules. */
  public enum Backend {
    IPTABLES,
    NFT
  }

  private final Backend backend;
  private final Shell shell;

  public Netfilter(Backend backend, Shell shell) {
    this.backend = backend;
    this.shell = shell;
  }

  public Backend backend() {
    return backend;
  }

  /** iptables if it is on the PATH (nft first when {@code preferNft}), else the other; null if neither. */
  public static Backend detect(boolean preferNft) {
    List<Backend> order = preferNft ? List.of(Backend.NFT, Backend.IPTABLES) : List.of(Backend.IPTABLES, Backend.NFT);
    for (Backend b : order) {
      if (Shell.onPath(b == Backend.NFT ? "nft" : "iptables")) {
        return b;
      }
    }
    return null;
  }

  /** Installs {@code v4} and {@code v6} (either may be empty: that family's vmesh rules are removed). */
  public void apply(List<Rule> v4, List<Rule> v6) throws IOException {
    try {
      if (backend == Backend.NFT) {
        shell.run(List.of("nft", "-f", "-"), nftScript(v4, v6));
      } else {
        for (String tool : List.of("iptables", "ip6tables")) {
          List<Rule> rules = tool.equals("iptables") ? v4 : v6;
          if (rules.isEmpty() && !Shell.onPath(tool + "-restore")) {
            continue; // no IPv6 tools, and nothing to do for IPv6
          }
          String input = restoreInput(rules, live(tool));
          if (input != null) {
            shell.run(List.of(tool + "-restore", "--noflush"), input);
          }
        }
      }
    } catch (IOException e) {
      try {
        remove(); // the family that went in (or an earlier run's rules) must not stay alone
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
        throw new IOException(e.getMessage() + "; removing the capture rules failed as well: "
            + cleanup.getMessage(), e);
      }
      throw new IOException(e.getMessage() + "; no capture rules are installed now", e);
    }
    removeOtherBackends();
    LOG.info("event=capture_installed backend={} rules_v4={} rules_v6={}",
        backend.name().toLowerCase(Locale.ROOT), v4.size(), v6.size());
  }

  /** Removes every vmesh chain and the jumps to them, with both tools; nothing there is fine. */
  public void remove() throws IOException {
    removeOwn();
    removeOtherBackends();
  }

  /**
   * The other tool's vmesh rules (left by a run with the other backend, or by an older version's DNS
   * capture) go too, when that tool is installed; a failure there is only logged.
   */
  private void removeOtherBackends() {
    Backend other = backend == Backend.NFT ? Backend.IPTABLES : Backend.NFT;
    if (!Shell.onPath(other == Backend.NFT ? "nft" : "iptables-restore")) {
      return;
    }
    try {
      new Netfilter(other, shell).removeOwn();
    } catch (IOException e) {
      LOG.warn("event=capture_cleanup_failed backend={} error=\"{}\"",
          other.name().toLowerCase(Locale.ROOT), e.getMessage());
    }
  }

  private void removeOwn() throws IOException {
    if (backend == Backend.NFT) {
      shell.run(List.of("nft", "-f", "-"), nftRemoval());
    } else {
      for (String tool : List.of("iptables", "ip6tables")) {
        if (!Shell.onPath(tool + "-restore")) {
          continue;
        }
        String input = restoreInput(List.of(), live(tool));
        if (input != null) {
          shell.run(List.of(tool + "-restore", "--noflush"), input);
        }
      }
    }
    LOG.info("event=capture_removed backend={}", backend.name().toLowerCase(Locale.ROOT));
  }

  /** What {@code apply} would feed the tools on a machine without vmesh rules ({@code --dry-run}). */
  public String describe(List<Rule> v4, List<Rule> v6) {
    if (backend == Backend.NFT) {
      return "nft -f - <<'EOF'\n" + nftScript(v4, v6) + "EOF\n";
    }
    StringBuilder sb = new StringBuilder();
    for (String tool : List.of("iptables", "ip6tables")) {
      List<Rule> rules = tool.equals("iptables") ? v4 : v6;
      if (!rules.isEmpty()) {
        sb.append(tool).append("-restore --noflush <<'EOF'\n").append(restoreInput(rules, Live.EMPTY))
            .append("EOF\n");
      }
    }
    return sb.toString();
  }

  /** What {@code remove} does ({@code --remove --dry-run}). */
  public String describeRemoval() {
    if (backend == Backend.NFT) {
      return "nft -f - <<'EOF'\n" + nftRemoval() + "EOF\n";
    }
    return "for each of iptables and ip6tables: read the live rules (-save), then in one -restore --noflush:"
        + " delete the jumps to VMESH_* chains from the built-in chains, then flush and delete every VMESH_* chain\n";
  }

  /** The vmesh part of the live rules of one family: jumps in built-in chains and vmesh chains per table. */
  record Live(Map<String, List<String>> jumps, Map<String, Set<String>> chains) {
    static final Live EMPTY = new Live(Map.of(), Map.of());

    static Live parse(String save) {
      Map<String, List<String>> jumps = new LinkedHashMap<>();
      Map<String, Set<String>> chains = new LinkedHashMap<>();
      String table = null;
      for (String line : save.split("\n")) {
        if (line.startsWith("*")) {
          table = line.substring(1).strip();
        } else if (table != null && line.startsWith(":" + CaptureRules.PREFIX)) {
          chains.computeIfAbsent(table, t -> new LinkedHashSet<>()).add(line.substring(1).split(" ")[0]);
        } else if (table != null && line.startsWith("-A ")) {
          String[] f = line.split(" ");
          boolean builtin = !f[1].startsWith(CaptureRules.PREFIX);
          if (builtin && (line.contains(" -j " + CaptureRules.PREFIX) || line.contains(" -g " + CaptureRules.PREFIX))) {
            jumps.computeIfAbsent(table, t -> new ArrayList<>()).add("-D" + line.substring(2));
          }
        }
      }
      return new Live(jumps, chains);
    }
  }

  private Live live(String tool) throws IOException {
    return Live.parse(shell.run(List.of(tool + "-save"), null));
  }

  /** The restore input that turns {@code live} into {@code rules}; null when there is nothing to do. */
  static String restoreInput(List<Rule> rules, Live live) {
    StringBuilder sb = new StringBuilder();
    for (String table : TABLES) {
      List<Rule> mine = rules.stream().filter(r -> r.table().equals(table)).toList();
      Set<String> wanted = new LinkedHashSet<>();
      mine.stream().filter(r -> !r.inBuiltinChain()).forEach(r -> wanted.add(r.chain()));
      List<String> jumps = live.jumps().getOrDefault(table, List.of());
      Set<String> existing = live.chains().getOrDefault(table, Set.of());
      if (mine.isEmpty() && jumps.isEmpty() && existing.isEmpty()) {
        continue;
      }
      sb.append('*').append(table).append('\n');
      jumps.forEach(j -> sb.append(j).append('\n'));
      for (String chain : wanted) {
        sb.append(':').append(chain).append(" - [0:0]\n"); // created, or emptied if it exists
      }
      for (String chain : existing) {
        if (!wanted.contains(chain)) {
          sb.append("-F ").append(chain).append('\n');
        }
      }
      for (String chain : existing) {
        if (!wanted.contains(chain)) {
          sb.append("-X ").append(chain).append('\n');
        }
      }
      for (String chain : wanted) { // chain by chain, each in order
        mine.stream().filter(r -> r.chain().equals(chain)).forEach(r -> sb.append(r.iptables()).append('\n'));
      }
      mine.stream().filter(Rule::inBuiltinChain).forEach(r -> sb.append(r.iptables()).append('\n'));
      sb.append("COMMIT\n");
    }
    return sb.isEmpty() ? null : sb.toString();
  }

  static String nftScript(List<Rule> v4, List<Rule> v6) {
    StringBuilder sb = new StringBuilder(nftRemoval());
    for (boolean v6family : new boolean[] {false, true}) {
      List<Rule> rules = v6family ? v6 : v4;
      if (rules.isEmpty()) {
        continue;
      }
      sb.append("table ").append(v6family ? "ip6" : "ip").append(' ').append(NFT_TABLE).append(" {\n");
      Map<String, List<Rule>> chains = new LinkedHashMap<>();
      rules.stream().filter(Rule::inBuiltinChain).forEach(r -> chains.computeIfAbsent(r.nftChain(),
          k -> new ArrayList<>()).add(r));
      rules.stream().filter(r -> !r.inBuiltinChain()).forEach(r -> chains.computeIfAbsent(r.nftChain(),
          k -> new ArrayList<>()).add(r));
      chains.forEach((name, list) -> {
        sb.append("  chain ").append(name).append(" {\n");
        if (list.get(0).inBuiltinChain()) {
          sb.append("    ").append(hook(list.get(0))).append('\n');
        }
        list.forEach(r -> sb.append("    ").append(r.nft(v6family)).append('\n'));
        sb.append("  }\n");
      });
      sb.append("}\n");
    }
    return sb.toString();
  }

  /** Declaring a table and then deleting it works whether or not it existed; in one transaction with the new one. */
  static String nftRemoval() {
    StringBuilder sb = new StringBuilder();
    for (String t : List.of("ip " + NFT_TABLE, "ip6 " + NFT_TABLE, "inet " + LEGACY_NFT_TABLE)) {
      sb.append("table ").append(t).append('\n').append("delete table ").append(t).append('\n');
    }
    return sb.toString();
  }

  private static String hook(Rule r) {
    String hook = r.chain().toLowerCase(Locale.ROOT);
    return switch (r.table()) {
      case "nat" -> "type nat hook " + hook + " priority " + (hook.equals("prerouting") ? "dstnat" : "-100")
          + "; policy accept;";
      case "raw" -> "type filter hook " + hook + " priority raw; policy accept;";
      default -> "type filter hook " + hook + " priority mangle; policy accept;";
    };
  }
}
