package dev.vmesh.agent.capture;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * {@code Rule} is one netfilter rule of the capture rule set, independent of the tool that installs
 * it: {@link #iptables()} spells it for {@code iptables-restore}, {@link #nft(boolean)} for {@code nft -f}.
 * Built-in chains ({@code PREROUTING}, {@code OUTPUT}) are iptables' names; nft's base chains are
 * named {@code <table>_<hook>} ({@code nat_output}, {@code raw_prerouting} ...) in vmesh's own table.
 *
 * @param table {@code nat}, {@code raw} or {@code mangle}
 * @param chain the chain the rule is appended to
 * @param dports destination ports (one or several), empty for any; {@code notDports} negates them
 * @param gids group owners; with {@code notGid} the packet must belong to none of them
 * @param target {@code RETURN}, {@code DROP}, {@code REDIRECT} (to {@code arg}), {@code ZONE} (conntrack zone
 *     {@code arg}) or a chain to jump to
 */
public record Rule(String table, String chain, String inIface, String outIface, String src, String dst,
    boolean notDst, String proto, List<Integer> dports, boolean notDports, Integer sport, String uid,
    boolean notUid, List<String> gids, boolean notGid, boolean ctInvalid, String target, int arg) {

  public Rule {
    dports = List.copyOf(dports);
    gids = List.copyOf(gids);
  }

  static Builder in(String table, String chain) {
    return new Builder(table, chain);
  }

  /** Whether the chain is a built-in one (the rule hooks vmesh's chains in). */
  public boolean inBuiltinChain() {
    return chain.equals("PREROUTING") || chain.equals("OUTPUT");
  }

  /** The rule as an {@code iptables-restore} line ({@code -A CHAIN ...}). */
  public String iptables() {
    List<String> a = new ArrayList<>(List.of("-A", chain));
    if (inIface != null) {
      a.addAll(List.of("-i", inIface));
    }
    if (outIface != null) {
      a.addAll(List.of("-o", outIface));
    }
    if (src != null) {
      a.addAll(List.of("-s", src));
    }
    if (dst != null) {
      if (notDst) {
        a.add("!");
      }
      a.addAll(List.of("-d", dst));
    }
    if (proto != null) {
      a.addAll(List.of("-p", proto));
    }
    if (dports.size() == 1) {
      if (notDports) {
        a.add("!");
      }
      a.addAll(List.of("--dport", dports.get(0).toString()));
    } else if (!dports.isEmpty()) {
      a.addAll(List.of("-m", "multiport"));
      if (notDports) {
        a.add("!");
      }
      a.addAll(List.of("--dports", dports.stream().map(String::valueOf).collect(Collectors.joining(","))));
    }
    if (sport != null) {
      a.addAll(List.of("--sport", sport.toString()));
    }
    if (uid != null) {
      a.addAll(List.of("-m", "owner"));
      if (notUid) {
        a.add("!");
      }
      a.addAll(List.of("--uid-owner", uid));
    }
    for (String g : gids) {
      a.addAll(List.of("-m", "owner"));
      if (notGid) {
        a.add("!");
      }
      a.addAll(List.of("--gid-owner", g));
    }
    if (ctInvalid) {
      a.addAll(List.of("-m", "conntrack", "--ctstate", "INVALID"));
    }
    a.add("-j");
    switch (target) {
      case "REDIRECT" -> a.addAll(List.of("REDIRECT", "--to-ports", Integer.toString(arg)));
      case "ZONE" -> a.addAll(List.of("CT", "--zone", Integer.toString(arg)));
      default -> a.add(target);
    }
    return String.join(" ", a);
  }

  /** The nft chain the rule goes into. */
  public String nftChain() {
    return inBuiltinChain() ? table + "_" + chain.toLowerCase(Locale.ROOT) : chain;
  }

  /** The rule as an nft statement for a table of family {@code ip} or {@code ip6} ({@code v6}). */
  public String nft(boolean v6) {
    String fam = v6 ? "ip6" : "ip";
    List<String> a = new ArrayList<>();
    if (inIface != null) {
      a.add("iifname \"" + inIface + "\"");
    }
    if (outIface != null) {
      a.add("oifname \"" + outIface + "\"");
    }
    if (src != null) {
      a.add(fam + " saddr " + src);
    }
    if (dst != null) {
      a.add(fam + " daddr " + (notDst ? "!= " : "") + dst);
    }
    if (proto != null && dports.isEmpty() && sport == null) {
      a.add("meta l4proto " + proto);
    }
    if (!dports.isEmpty()) {
      String ports = dports.size() == 1 ? dports.get(0).toString()
          : "{ " + dports.stream().map(String::valueOf).collect(Collectors.joining(", ")) + " }";
      a.add(proto + " dport " + (notDports ? "!= " : "") + ports);
    }
    if (sport != null) {
      a.add(proto + " sport " + sport);
    }
    if (uid != null) {
      a.add("meta skuid " + (notUid ? "!= " : "") + uid);
    }
    if (!gids.isEmpty()) {
      a.add("meta skgid " + (notGid ? "!= " : "") + (gids.size() == 1 ? gids.get(0) : "{ " + String.join(", ", gids)
          + " }"));
    }
    if (ctInvalid) {
      a.add("ct state invalid");
    }
    a.add(switch (target) {
      case "RETURN" -> "return";
      case "DROP" -> "drop";
      case "REDIRECT" -> "redirect to :" + arg;
      case "ZONE" -> "ct zone set " + arg;
      default -> "jump " + target;
    });
    return String.join(" ", a);
  }

  /** Builds a rule field by field. */
  static final class Builder {
    private final String table;
    private final String chain;
    private String inIface;
    private String outIface;
    private String src;
    private String dst;
    private boolean notDst;
    private String proto;
    private List<Integer> dports = List.of();
    private boolean notDports;
    private Integer sport;
    private String uid;
    private boolean notUid;
    private List<String> gids = List.of();
    private boolean notGid;
    private boolean ctInvalid;

    Builder(String table, String chain) {
      this.table = table;
      this.chain = chain;
    }

    Builder in(String iface) {
      inIface = iface;
      return this;
    }

    Builder out(String iface) {
      outIface = iface;
      return this;
    }

    Builder src(String cidr) {
      src = cidr;
      return this;
    }

    Builder dst(String cidr) {
      dst = cidr;
      return this;
    }

    Builder notDst(String cidr) {
      dst = cidr;
      notDst = true;
      return this;
    }

    Builder tcp() {
      return proto("tcp");
    }

    Builder udp() {
      return proto("udp");
    }

    Builder proto(String p) {
      proto = p;
      return this;
    }

    Builder dport(int... ports) {
      dports = Arrays.stream(ports).boxed().toList();
      return this;
    }

    Builder notDport(int... ports) {
      notDports = true;
      return dport(ports);
    }

    Builder sport(int port) {
      sport = port;
      return this;
    }

    Builder uid(String u) {
      uid = u;
      return this;
    }

    Builder notUid(String u) {
      notUid = true;
      return uid(u);
    }

    Builder gid(String g) {
      gids = List.of(g);
      return this;
    }

    Builder notGid(String g) {
      return notGids(List.of(g));
    }

    Builder notGids(List<String> g) {
      gids = List.copyOf(g);
      notGid = true;
      return this;
    }

    Builder ctInvalid() {
      ctInvalid = true;
      return this;
    }

    Rule jump(String target) {
      return to(target, 0);
    }

    Rule ret() {
      return to("RETURN", 0);
    }

    Rule redirect(int port) {
      return to("REDIRECT", port);
    }

    Rule zone(int zone) {
      return to("ZONE", zone);
    }

    private Rule to(String target, int arg) {
      return new Rule(table, chain, inIface, outIface, src, dst, notDst, proto, dports, notDports, sport, uid,
          notUid, gids, notGid, ctInvalid, target, arg);
    }
  }
}
