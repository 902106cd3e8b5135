package dev.vmesh.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmesh.agent.config.CaptureConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Installing and removing the rule set with the real tools, in a namespace the test creates: again
 * gives the same rules, other software's rules survive both, an older version's DNS chains go, and a
 * failed install (an unknown user, a missing IPv6 NAT module simulated) leaves no vmesh rule behind.
 */
class CaptureRulesInstallAtomicallyTest {
  @TempDir
  Path tmp;

  static CaptureRules.Inputs inputs(String uid) throws Exception {
    CaptureConfig c = CaptureConfig.from(Map.of("ISTIO_INBOUND_PORTS", "*", "ISTIO_SERVICE_CIDR", "*",
        "ISTIO_META_DNS_CAPTURE", "true", "ISTIO_SVC_IP", "198.51.100.1", "ISTIO_DUAL_STACK", "true"), "cluster.env");
    return new CaptureRules.Inputs(c, true, true, List.of(uid), List.of("4242"), List.of("198.51.100.2",
        "fd00::53"), 15053, true);
  }

  String vmeshRules(TwoHosts h) throws Exception {
    return (h.run(h.vm, "iptables-save") + h.run(h.vm, "ip6tables-save") + h.run(h.vm, "nft", "list", "ruleset"))
        .replaceAll("counter packets \\d+ bytes \\d+ ", "")
        .lines().filter(l -> l.contains("VMESH") || l.contains("vmesh")).filter(l -> !l.startsWith("#"))
        .reduce("", (a, b) -> a + b + "\n");
  }

  @ParameterizedTest
  @EnumSource(Netfilter.Backend.class)
  void installingAgainGivesTheSameRulesAndOthersRulesSurvive(Netfilter.Backend backend) throws Exception {
    try (TwoHosts h = TwoHosts.create(tmp)) {
      assumeTrue(Shell.onPath(backend == Netfilter.Backend.NFT ? "nft" : "iptables-restore"), "needs " + backend);
      // Someone else's rules, and the chains an older vmesh made for DNS capture.
      TwoHosts.must("ip", "netns", "exec", h.vm, "iptables", "-t", "nat", "-A", "OUTPUT", "-p", "tcp", "--dport",
          "9999", "-j", "ACCEPT");
      TwoHosts.must("ip", "netns", "exec", h.vm, "iptables", "-t", "nat", "-N", "VMESH_DNS_OUTPUT");
      TwoHosts.must("ip", "netns", "exec", h.vm, "iptables", "-t", "nat", "-A", "OUTPUT", "-j", "VMESH_DNS_OUTPUT");
      TwoHosts.must("ip", "netns", "exec", h.vm, "nft", "add", "table", "inet", "vmesh_dns");
      Netfilter n = new Netfilter(backend, new Shell(h.in(h.vm)));
      CaptureRules.Inputs in = inputs("4242");
      n.apply(CaptureRules.of(in, false), CaptureRules.of(in, true));
      String once = vmeshRules(h);
      n.apply(CaptureRules.of(in, false), CaptureRules.of(in, true)); // the unit's restart installs again
      assertThat(vmeshRules(h)).isEqualTo(once);
      assertThat(once).contains(backend == Netfilter.Backend.NFT ? "table ip6 vmesh" : ":VMESH_OUTPUT_DNS")
          .doesNotContain("VMESH_DNS_OUTPUT").doesNotContain("vmesh_dns");
      if (backend == Netfilter.Backend.IPTABLES) {
        assertThat(h.run(h.vm, "iptables-save", "-t", "nat").lines()
            .filter(l -> l.equals("-A OUTPUT -j VMESH_OUTPUT")).count()).isOne();
      }
      n.remove();
      n.remove(); // removing twice is fine
      assertThat(vmeshRules(h)).isEmpty();
      assertThat(h.run(h.vm, "iptables-save", "-t", "nat")).contains("-A OUTPUT -p tcp -m tcp --dport 9999 -j ACCEPT");
    }
  }

  @ParameterizedTest
  @EnumSource(Netfilter.Backend.class)
  void aFailedInstallLeavesNoRuleBehind(Netfilter.Backend backend) throws Exception {
    try (TwoHosts h = TwoHosts.create(tmp)) {
      assumeTrue(Shell.onPath(backend == Netfilter.Backend.NFT ? "nft" : "iptables-restore"), "needs " + backend);
      Netfilter n = new Netfilter(backend, new Shell(h.in(h.vm)));
      CaptureRules.Inputs good = inputs("4242");
      n.apply(CaptureRules.of(good, false), CaptureRules.of(good, true));
      // A user the system does not know: the tool refuses the whole transaction.
      CaptureRules.Inputs bad = inputs("nosuchuser");
      assertThatThrownBy(() -> n.apply(CaptureRules.of(bad, false), CaptureRules.of(bad, true)))
          .hasMessageContaining("nosuchuser").hasMessageContaining("no capture rules are installed now");
      assertThat(vmeshRules(h)).isEmpty();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Netfilter.Backend.class, names = "IPTABLES")
  void aFailureOfTheIpv6PartTakesTheIpv4PartOutAgain(Netfilter.Backend backend) throws Exception {
    try (TwoHosts h = TwoHosts.create(tmp)) {
      assumeTrue(Shell.onPath("iptables-restore"), "needs iptables");
      // As if the kernel had no ip6table_nat: ip6tables-restore fails after iptables-restore went in.
      Shell noIpv6Nat = new Shell(h.in(h.vm)) {
        @Override
        public String run(List<String> cmd, String stdin) throws IOException {
          if (cmd.get(0).equals("ip6tables-restore") && stdin.contains("VMESH_REDIRECT")) {
            throw new IOException("ip6tables-restore failed (exit 1): can't initialize ip6tables table `nat':"
                + " Table does not exist (do you need to insmod?)");
          }
          return super.run(cmd, stdin);
        }
      };
      Netfilter n = new Netfilter(backend, noIpv6Nat);
      CaptureRules.Inputs in = inputs("4242");
      assertThatThrownBy(() -> n.apply(CaptureRules.of(in, false), CaptureRules.of(in, true)))
          .hasMessageContaining("insmod").hasMessageContaining("no capture rules are installed now");
      assertThat(vmeshRules(h)).isEmpty();
    }
  }
}
