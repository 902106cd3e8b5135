package dev.vmesh.agent.capture;

import dev.vmesh.agent.config.CaptureConfig;
import dev.vmesh.api.Addresses;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code CaptureRules} builds the one rule set that sends the VM's traffic through Envoy and its DNS
 * queries to the agent, in istio-iptables' REDIRECT order (section A.3 and A.6 of the data-plane spec),
 * in vmesh's own chains. Istio's chain {@code ISTIO_X} is vmesh's {@code VMESH_X}, except the raw and
 * mangle ones, which get names of their own so that one nft table can hold every chain:
 *
 * <pre>
 *   nat    ISTIO_INBOUND      VMESH_INBOUND       PREROUTING -p tcp jumps here
 *   nat    ISTIO_IN_REDIRECT  VMESH_IN_REDIRECT   REDIRECT to 15006
 *   nat    ISTIO_OUTPUT       VMESH_OUTPUT        OUTPUT jumps here
 *   nat    ISTIO_REDIRECT     VMESH_REDIRECT      REDIRECT to 15001
 *   nat    ISTIO_OUTPUT_DNS   VMESH_OUTPUT_DNS    REDIRECT DNS to 15053
 *   raw    ISTIO_OUTPUT_DNS   VMESH_RAW_OUTPUT    conntrack zones, outgoing
 *   raw    ISTIO_INBOUND      VMESH_RAW_PREROUTING conntrack zones, replies from the resolvers
 *   mangle ISTIO_DROP         VMESH_DROP          conntrack INVALID dropped
 * </pre>
 *
 * Where istio-iptables puts {@code RETURN} rules for excluded interfaces straight into the built-in
 * chains, vmesh puts them at the top of its own chains, so rules other software appends to
 * PREROUTING and OUTPUT still run.
 */
public final class CaptureRules {
  public static final String INBOUND = "VMESH_INBOUND";
  public static final String IN_REDIRECT = "VMESH_IN_REDIRECT";
  public static final String OUTPUT = "VMESH_OUTPUT";
  public static final String REDIRECT = "VMESH_REDIRECT";
  public static final String OUTPUT_DNS = "VMESH_OUTPUT_DNS";
  public static final String RAW_OUTPUT = "VMESH_RAW_OUTPUT";
  public static final String RAW_PREROUTING = "VMESH_RAW_PREROUTING";
  public static final String DROP = "VMESH_DROP";
  /** Every chain of vmesh starts with this; removal takes all of them (older versions' names too). */
  public static final String PREFIX = "VMESH_";
  static final String NAT = "nat";
  static final String RAW = "raw";
  static final String MANGLE = "mangle";

  /**
   * What to build.
   *
   * @param traffic capture TCP for Envoy (outbound to 15001, inbound to the inbound capture port)
   * @param dns capture DNS to the nameservers (or to any server with CAPTURE_ALL_DNS) for the DNS proxy
   * @param uids users whose traffic is never captured (the proxy's: the agent and Envoy)
   * @param gids groups likewise
   * @param nameservers the resolv.conf nameservers whose port 53 is captured
   * @param dnsPort the DNS proxy's port (15053)
   * @param ipv6Traffic capture IPv6 TCP too (dual stack, or the VM's first address is IPv6); IPv6 DNS is
   *     captured whenever there are IPv6 nameservers
   */
  public record Inputs(CaptureConfig config, boolean traffic, boolean dns, List<String> uids, List<String> gids,
      List<String> nameservers, int dnsPort, boolean ipv6Traffic) {
    public Inputs {
      uids = List.copyOf(uids);
      gids = List.copyOf(gids);
      nameservers = nameservers.stream().map(Addresses::normalize).distinct().toList();
      for (String ns : nameservers) {
        if (!Addresses.isIp(ns)) {
          throw new IllegalArgumentException("nameserver \"" + ns + "\" is not an IP address");
        }
      }
      if (uids.isEmpty() || gids.isEmpty()) {
        throw new IllegalArgumentException("the proxy's user and group are needed: without them Envoy's own"
            + " traffic would be captured again");
      }
    }
  }

  private CaptureRules() {}

  /** The rules of one address family, in order; empty when nothing is captured in it. */
  public static List<Rule> of(Inputs in, boolean v6) {
    CaptureConfig c = in.config();
    boolean traffic = in.traffic() && (c.capturesInbound() || c.capturesOutbound()) && (!v6 || in.ipv6Traffic());
    List<String> ns = in.nameservers().stream().filter(n -> n.contains(":") == v6).toList();
    boolean dns = in.dns() && (!ns.isEmpty() || (c.captureAllDns() && !v6));
    List<Rule> r = new ArrayList<>();
    if (!traffic && !dns) {
      return r;
    }
    String lo = v6 ? "::1/128" : c.loopbackCidr();
    int tunnel = c.inboundTunnelPort();
    if (traffic) {
      r.add(Rule.in(NAT, REDIRECT).tcp().redirect(CaptureConfig.OUTBOUND_CAPTURE_PORT));
      r.add(Rule.in(NAT, IN_REDIRECT).tcp().redirect(c.inboundCapturePort()));
      if (c.capturesInbound()) {
        r.add(Rule.in(NAT, "PREROUTING").tcp().jump(INBOUND));
        for (String iface : c.excludeInterfaces()) {
          r.add(Rule.in(NAT, INBOUND).in(iface).ret());
        }
        r.add(Rule.in(NAT, INBOUND).tcp().dport(tunnel).ret());
        if (c.inboundAll()) {
          for (int p : c.inboundExcludePorts()) {
            r.add(Rule.in(NAT, INBOUND).tcp().dport(p).ret());
          }
          r.add(Rule.in(NAT, INBOUND).tcp().jump(IN_REDIRECT));
        } else {
          for (int p : c.inboundPorts()) {
            r.add(Rule.in(NAT, INBOUND).tcp().dport(p).jump(IN_REDIRECT));
          }
        }
      }
    }
    r.add(Rule.in(NAT, "OUTPUT").jump(OUTPUT));
    if (traffic) {
      for (String iface : c.excludeInterfaces()) {
        r.add(Rule.in(NAT, OUTPUT).out(iface).ret());
      }
    }
    for (int p : c.outboundExcludePorts()) { // a.
      r.add(Rule.in(NAT, OUTPUT).tcp().dport(p).ret());
      r.add(Rule.in(NAT, OUTPUT).udp().dport(p).ret());
    }
    if (traffic) {
      r.add(Rule.in(NAT, OUTPUT).out("lo").src(v6 ? "::6/128" : "127.0.0.6/32").ret()); // b.
      boolean loopbackCaptured = c.outboundCidrs().stream().anyMatch(x -> x.startsWith("127.") || x.equals("::1/128"));
      for (String uid : in.uids()) { // c.-e. for users
        Rule.Builder self = Rule.in(NAT, OUTPUT).out("lo").notDst(lo).tcp();
        r.add((dns ? self.notDport(53, tunnel) : self.notDport(tunnel)).uid(uid).jump(IN_REDIRECT));
        if (!loopbackCaptured) {
          r.add(dns ? Rule.in(NAT, OUTPUT).out("lo").tcp().notDport(53).notUid(uid).ret()
              : Rule.in(NAT, OUTPUT).out("lo").notUid(uid).ret());
        }
        r.add(Rule.in(NAT, OUTPUT).uid(uid).ret());
      }
      for (String gid : in.gids()) { // f. the same for groups
        r.add(Rule.in(NAT, OUTPUT).out("lo").notDst(lo).tcp().notDport(tunnel).gid(gid).jump(IN_REDIRECT));
        if (!loopbackCaptured) {
          r.add(dns ? Rule.in(NAT, OUTPUT).out("lo").tcp().notDport(53).notGid(gid).ret()
              : Rule.in(NAT, OUTPUT).out("lo").notGid(gid).ret());
        }
        r.add(Rule.in(NAT, OUTPUT).gid(gid).ret());
      }
      if (!c.ownerGroupsInclude().isEmpty()) { // g.
        r.add(Rule.in(NAT, OUTPUT).notGids(c.ownerGroupsInclude()).ret());
      }
      for (String g : c.ownerGroupsExclude()) {
        r.add(Rule.in(NAT, OUTPUT).gid(g).ret());
      }
    } else {
      for (String uid : in.uids()) {
        r.add(Rule.in(NAT, OUTPUT).uid(uid).ret());
      }
      for (String gid : in.gids()) {
        r.add(Rule.in(NAT, OUTPUT).gid(gid).ret());
      }
    }
    if (dns) { // h.
      r.add(Rule.in(NAT, OUTPUT).jump(OUTPUT_DNS));
      for (String proto : List.of("udp", "tcp")) {
        if (c.captureAllDns()) {
          r.add(Rule.in(NAT, OUTPUT_DNS).proto(proto).dport(53).redirect(in.dnsPort()));
        } else {
          for (String n : ns) {
            r.add(Rule.in(NAT, OUTPUT_DNS).proto(proto).dst(host(n)).dport(53).redirect(in.dnsPort()));
          }
        }
      }
    }
    if (traffic) {
      r.add(Rule.in(NAT, OUTPUT).dst(lo).ret()); // i.
      for (String cidr : c.outboundExcludeCidrs()) { // j.
        if (cidr.contains(":") == v6) {
          r.add(Rule.in(NAT, OUTPUT).dst(cidr).ret());
        }
      }
      for (int p : c.outboundPorts()) { // k.
        r.add(Rule.in(NAT, OUTPUT).tcp().dport(p).jump(REDIRECT));
      }
      if (c.outboundAll()) { // l.
        r.add(Rule.in(NAT, OUTPUT).jump(REDIRECT));
      } else {
        for (String cidr : c.outboundCidrs()) {
          if (cidr.contains(":") == v6) {
            r.add(Rule.in(NAT, OUTPUT).dst(cidr).jump(REDIRECT));
          }
        }
      }
    }
    if (dns) {
      zones(r, in, ns);
    }
    if (traffic && c.dropInvalid()) {
      r.add(Rule.in(MANGLE, "PREROUTING").ctInvalid().jump(DROP));
      r.add(Rule.in(MANGLE, DROP).jump("DROP"));
    }
    return r;
  }

  /** raw: conntrack zones keep the proxy's leg (zone 1) and the app's leg (zone 2) of a DNS query apart. */
  private static void zones(List<Rule> r, Inputs in, List<String> ns) {
    boolean all = in.config().captureAllDns();
    r.add(Rule.in(RAW, "OUTPUT").jump(RAW_OUTPUT));
    r.add(Rule.in(RAW, "PREROUTING").jump(RAW_PREROUTING));
    for (String uid : in.uids()) {
      r.add(Rule.in(RAW, RAW_OUTPUT).udp().dport(53).uid(uid).zone(1));
      r.add(Rule.in(RAW, RAW_OUTPUT).udp().sport(in.dnsPort()).uid(uid).zone(2));
    }
    for (String gid : in.gids()) {
      r.add(Rule.in(RAW, RAW_OUTPUT).udp().dport(53).gid(gid).zone(1));
      r.add(Rule.in(RAW, RAW_OUTPUT).udp().sport(in.dnsPort()).gid(gid).zone(2));
    }
    if (all) {
      r.add(Rule.in(RAW, RAW_OUTPUT).udp().dport(53).zone(2));
      r.add(Rule.in(RAW, RAW_PREROUTING).udp().sport(53).zone(1));
      return;
    }
    for (String n : ns) {
      r.add(Rule.in(RAW, RAW_OUTPUT).udp().dst(host(n)).dport(53).zone(2));
    }
    for (String n : ns) {
      r.add(Rule.in(RAW, RAW_PREROUTING).udp().src(host(n)).sport(53).zone(1));
    }
  }

  private static String host(String ip) {
    return ip + (ip.contains(":") ? "/128" : "/32");
  }
}
