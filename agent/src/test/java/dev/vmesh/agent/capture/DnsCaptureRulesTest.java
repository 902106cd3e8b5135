package dev.vmesh.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The capture rules as text, and installed for real with iptables and nft inside a network namespace
 * this test creates (so the machine's own rules are never touched). The namespace part needs root and
 * iproute2, iptables and nftables (.ci/run installs them).
 */
class DnsCaptureRulesTest {
  static final DnsCapture.Settings SETTINGS = new DnsCapture.Settings(List.of("10.0.0.2", "fd00::53"), 15053, "998",
      "997");
  String netns;

  @BeforeEach
  void namespace() throws Exception {
    netns = "vmesh-capture-" + ProcessHandle.current().pid();
  }

  @AfterEach
  void cleanup() throws Exception {
    if (netns != null) {
      exec(List.of("ip", "netns", "del", netns));
    }
  }

  @Test
  void dryRunShowsRedirectsOnlyForTheNameserversAndExemptsTheAgent() {
    String text = DnsCapture.describe(SETTINGS, DnsCapture.Backend.IPTABLES, false);
    assertThat(text).contains(
        "iptables -w -t nat -A VMESH_DNS_OUTPUT -m owner --uid-owner 998 -j RETURN",
        "iptables -w -t nat -A VMESH_DNS_OUTPUT -m owner --gid-owner 997 -j RETURN",
        "iptables -w -t nat -A VMESH_DNS_OUTPUT -p udp -d 10.0.0.2/32 --dport 53 -j REDIRECT --to-ports 15053",
        "iptables -w -t nat -A VMESH_DNS_OUTPUT -p tcp -d 10.0.0.2/32 --dport 53 -j REDIRECT --to-ports 15053",
        "ip6tables -w -t nat -A VMESH_DNS_OUTPUT -p udp -d fd00::53/128 --dport 53 -j REDIRECT --to-ports 15053",
        "iptables -w -t raw -A VMESH_DNS_RAW_OUTPUT -p udp --dport 53 -m owner --uid-owner 998 -j CT --zone 1",
        "iptables -w -t raw -A VMESH_DNS_RAW_OUTPUT -p udp --sport 15053 -m owner --uid-owner 998 -j CT --zone 2",
        "iptables -w -t raw -A VMESH_DNS_RAW_OUTPUT -p udp --dport 53 -d 10.0.0.2/32 -j CT --zone 2",
        "iptables -w -t raw -A VMESH_DNS_RAW_PREROUTING -p udp --sport 53 -s 10.0.0.2/32 -j CT --zone 1",
        "iptables -w -t nat -C OUTPUT -j VMESH_DNS_OUTPUT 2>/dev/null || iptables -w -t nat -A OUTPUT -j VMESH_DNS_OUTPUT");
    // The IPv4 tool never gets IPv6 addresses and vice versa; no rule captures port 53 in general.
    assertThat(text.lines().filter(l -> l.startsWith("iptables ")).noneMatch(l -> l.contains("fd00::53"))).isTrue();
    assertThat(text.lines().filter(l -> l.contains("REDIRECT")).allMatch(l -> l.contains(" -d "))).isTrue();
    assertThat(DnsCapture.nftScript(SETTINGS)).contains("meta skuid 998 return",
        "ip daddr 10.0.0.2 udp dport 53 redirect to :15053", "ip6 daddr fd00::53 tcp dport 53 redirect to :15053",
        "ip saddr 10.0.0.2 udp sport 53 ct zone set 1");
    assertThatThrownBy(() -> new DnsCapture.Settings(List.of("dns.example.com"), 15053, "0", "0"))
        .hasMessageContaining("not an IP address");
  }

  @Test
  void iptablesInstallIsIdempotentAndRemoveLeavesNothing() throws Exception {
    assumeNamespaces("iptables");
    List<String> in = List.of("ip", "netns", "exec", netns);
    DnsCapture.apply(SETTINGS, DnsCapture.Backend.IPTABLES, in);
    DnsCapture.apply(SETTINGS, DnsCapture.Backend.IPTABLES, in); // a restart installs again
    String nat = out(in, "iptables-save", "-t", "nat");
    assertThat(nat).contains("-A OUTPUT -j VMESH_DNS_OUTPUT",
        "-A VMESH_DNS_OUTPUT -d 10.0.0.2/32 -p udp -m udp --dport 53 -j REDIRECT --to-ports 15053");
    assertThat(nat.lines().filter(l -> l.equals("-A OUTPUT -j VMESH_DNS_OUTPUT")).count()).isOne();
    assertThat(nat.lines().filter(l -> l.contains("REDIRECT")).count()).isEqualTo(2);
    assertThat(out(in, "iptables-save", "-t", "raw")).contains("--zone 1", "--zone 2",
        "-A PREROUTING -j VMESH_DNS_RAW_PREROUTING");
    assertThat(out(in, "ip6tables-save", "-t", "nat")).contains("-d fd00::53/128 -p tcp -m tcp --dport 53 -j REDIRECT");

    DnsCapture.unapply(DnsCapture.Backend.IPTABLES, in);
    assertThat(out(in, "iptables-save", "-t", "nat") + out(in, "iptables-save", "-t", "raw")
        + out(in, "ip6tables-save", "-t", "nat")).doesNotContain("VMESH");
    DnsCapture.unapply(DnsCapture.Backend.IPTABLES, in); // removing twice is fine
  }

  @Test
  void nftablesInstallReplacesTheTableAndRemoveDeletesIt() throws Exception {
    assumeNamespaces("nft");
    List<String> in = List.of("ip", "netns", "exec", netns);
    DnsCapture.apply(SETTINGS, DnsCapture.Backend.NFT, in);
    DnsCapture.apply(SETTINGS, DnsCapture.Backend.NFT, in);
    String rules = out(in, "nft", "list", "table", "inet", "vmesh_dns");
    assertThat(rules).contains("redirect to :15053", "ct zone set 1", "ct zone set 2");
    assertThat(rules.lines().filter(l -> l.contains("ip daddr 10.0.0.2 udp dport 53 redirect")).count()).isOne();
    DnsCapture.unapply(DnsCapture.Backend.NFT, in);
    assertThat(out(in, "nft", "list", "tables")).doesNotContain("vmesh_dns");
  }

  private void assumeNamespaces(String tool) throws Exception {
    assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"),
        "needs root to create a network namespace");
    assumeTrue(exec(List.of("sh", "-c", "command -v ip && command -v " + tool)) == 0, "needs ip and " + tool);
    assertThat(exec(List.of("ip", "netns", "add", netns))).isZero();
  }

  private static String out(List<String> prefix, String... cmd) throws Exception {
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(List.of(cmd));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return s;
  }

  private static int exec(List<String> argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    p.waitFor(30, TimeUnit.SECONDS);
    return p.exitValue();
  }
}
