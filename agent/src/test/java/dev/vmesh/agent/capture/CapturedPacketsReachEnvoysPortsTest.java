package dev.vmesh.agent.capture;

import static dev.vmesh.agent.capture.TwoHosts.OTHER_PEER_IP;
import static dev.vmesh.agent.capture.TwoHosts.PEER_IP;
import static dev.vmesh.agent.capture.TwoHosts.VM_IP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmesh.agent.config.CaptureConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The capture rule set with real packets, in two network namespaces the test creates ({@link TwoHosts}),
 * with iptables and with nft. Stand-ins for Envoy listen on 15001 and 15006 and answer with the
 * original destination they read (SO_ORIGINAL_DST); a stand-in for the DNS proxy listens on 15053.
 * Apps run as user 65534 (nobody); the proxy's user is 4242.
 */
class CapturedPacketsReachEnvoysPortsTest {
  static final int NOBODY = 65534;
  static final int PROXY = 4242;

  @TempDir
  Path tmp;

  @ParameterizedTest
  @EnumSource(Netfilter.Backend.class)
  void trafficAndDnsAreCapturedAsConfiguredAndRemovalRestoresPlainNetworking(Netfilter.Backend backend)
      throws Exception {
    try (TwoHosts hosts = TwoHosts.create(tmp)) {
      assumeTrue(Shell.onPath(backend == Netfilter.Backend.NFT ? "nft" : "iptables-restore"), "needs " + backend);
      String vm = hosts.vm;
      String peer = hosts.peer;
      hosts.listen(vm, "tcp", "0.0.0.0", 15001, "outbound");
      hosts.listen(vm, "tcp", "0.0.0.0", 15006, "inbound");
      hosts.listen(vm, "udp", "127.0.0.1", 15053, "dnsproxy");
      hosts.listen(vm, "tcp", "0.0.0.0", 8080, "app");
      hosts.listen(vm, "tcp", "0.0.0.0", 22, "sshd");
      for (int port : List.of(80, 81)) {
        hosts.listen(peer, "tcp", "0.0.0.0", port, "remote");
      }
      hosts.listen(peer, "udp", PEER_IP, 53, "nameserver");

      CaptureConfig config = CaptureConfig.from(Map.of("ISTIO_INBOUND_PORTS", "*", "ISTIO_SERVICE_CIDR",
          "198.51.100.0/24,203.0.113.0/24", "ISTIO_SERVICE_EXCLUDE_CIDR", OTHER_PEER_IP,
          "ISTIO_LOCAL_OUTBOUND_PORTS_EXCLUDE", "81", "ISTIO_META_DNS_CAPTURE", "true", "ISTIO_SVC_IP", VM_IP),
          "cluster.env");
      CaptureRules.Inputs in = new CaptureRules.Inputs(config, true, true, List.of(Integer.toString(PROXY)),
          List.of(Integer.toString(PROXY)), List.of(PEER_IP), 15053, false);
      Netfilter netfilter = new Netfilter(backend, new Shell(hosts.in(vm)));
      netfilter.apply(CaptureRules.of(in, false), CaptureRules.of(in, true));

      // Outbound TCP to a captured range reaches 15001, which can tell where it was going.
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "tcp", PEER_IP, 80))
          .startsWith("outbound orig=" + PEER_IP + ":80 peer=" + VM_IP + ":");
      // An excluded address and an excluded port go straight out.
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "tcp", OTHER_PEER_IP, 80)).startsWith("remote ");
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "tcp", PEER_IP, 81)).startsWith("remote ");
      // The proxy's own traffic (Envoy's upstream connections, the agent's) is never captured.
      assertThat(hosts.ask(vm, PROXY, PROXY, "tcp", PEER_IP, 80)).startsWith("remote ");
      // The app talking to itself over loopback is left alone.
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "tcp", "127.0.0.1", 8080)).startsWith("app ");
      // DNS to the nameserver goes to the DNS proxy, except the proxy's own forwarded queries.
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "udp", PEER_IP, 53)).startsWith("dnsproxy");
      assertThat(hosts.ask(vm, PROXY, PROXY, "udp", PEER_IP, 53)).startsWith("nameserver");
      // Inbound to an app port reaches 15006 with the original destination; SSH is never captured.
      assertThat(hosts.ask(peer, 0, 0, "tcp", VM_IP, 8080))
          .startsWith("inbound orig=" + VM_IP + ":8080 peer=" + PEER_IP + ":");
      assertThat(hosts.ask(peer, 0, 0, "tcp", VM_IP, 22)).startsWith("sshd ");

      netfilter.remove();
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "tcp", PEER_IP, 80)).startsWith("remote ");
      assertThat(hosts.ask(vm, NOBODY, NOBODY, "udp", PEER_IP, 53)).startsWith("nameserver");
      assertThat(hosts.ask(peer, 0, 0, "tcp", VM_IP, 8080)).startsWith("app ");
      assertThat(hosts.run(vm, "iptables-save") + hosts.run(vm, "ip6tables-save") + hosts.run(vm, "nft",
          "list", "ruleset")).doesNotContain("VMESH").doesNotContain("vmesh");
    }
  }
}
