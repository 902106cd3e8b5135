package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentCaptureCommandsTest {
  @TempDir
  Path tmp;

  @Test
  void dryRunCapturesTheResolvConfNameserversOnlyWhenClusterEnvAsks() throws Exception {
    Path resolv = tmp.resolve("resolv.conf");
    Files.writeString(resolv, "nameserver 10.0.0.2\nnameserver 10.0.0.2\nnameserver fd00::53\nsearch example.com\n");
    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_META_DNS_CAPTURE='false'\nISTIO_SVC_IP='10.0.0.5'\n");
    Cli off = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--resolv-conf",
        resolv.toString(), "--backend", "iptables");
    assertThat(off.exit()).isZero();
    assertThat(off.out()).contains("DNS capture is off", "nothing to capture").doesNotContain("REDIRECT");

    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_META_DNS_CAPTURE='true'\nISTIO_SVC_IP='10.0.0.5'\n");
    Cli on = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--resolv-conf",
        resolv.toString(), "--backend", "iptables", "--user", "vmesh");
    assertThat(on.exit()).as(on.err()).isZero();
    assertThat(on.out()).startsWith("iptables-restore --noflush <<'EOF'").contains(
        "-A VMESH_OUTPUT -m owner --uid-owner vmesh -j RETURN",
        "-A VMESH_OUTPUT -m owner --gid-owner vmesh -j RETURN",
        "-A VMESH_OUTPUT_DNS -d 10.0.0.2/32 -p udp --dport 53 -j REDIRECT --to-ports 15053",
        "ip6tables-restore --noflush <<'EOF'",
        "-A VMESH_OUTPUT_DNS -d fd00::53/128 -p tcp --dport 53 -j REDIRECT --to-ports 15053");
    assertThat(on.out().lines().filter(l -> l.contains("-d 10.0.0.2/32 -p udp --dport 53 -j REDIRECT")).count())
        .isOne();

    Cli nft = Cli.run("agent", "iptables", "--dry-run", "--force", "--config-dir", tmp.resolve("none").toString(),
        "--resolv-conf", resolv.toString(), "--backend", "nft");
    assertThat(nft.out()).startsWith("nft -f - <<'EOF'").contains("table ip vmesh {", "delete table inet vmesh_dns");
    Cli remove = Cli.run("agent", "iptables", "--dry-run", "--remove", "--backend", "iptables");
    assertThat(remove.out()).contains("delete the jumps to VMESH_* chains");

    Files.writeString(resolv, "search example.com\n");
    Cli empty = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--resolv-conf",
        resolv.toString(), "--backend", "iptables");
    assertThat(empty.exit()).isOne();
    assertThat(empty.err()).contains("names no nameserver");
  }

  @Test
  void trafficIsCapturedOnlyWhenTheAgentRunsEnvoyAndBadKeysAreNamed() throws Exception {
    Path resolv = tmp.resolve("resolv.conf");
    Files.writeString(resolv, "nameserver 10.0.0.2\n");
    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_INBOUND_PORTS='*'\nISTIO_SERVICE_CIDR='*'\n"
        + "ISTIO_SVC_IP='10.0.0.5'\nPROXY_UID='998'\nPROXY_GID='997'\n");
    // VMESH_AGENT_ENVOY is not set in this JVM: no Envoy, so no traffic capture unless forced.
    Cli auto = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--backend", "iptables");
    assertThat(auto.out()).contains("traffic capture is off").doesNotContain("REDIRECT");
    Cli on = Cli.run("agent", "iptables", "--dry-run", "--traffic", "on", "--config-dir", tmp.toString(),
        "--backend", "iptables");
    assertThat(on.exit()).as(on.err()).isZero();
    assertThat(on.out()).contains("-A VMESH_REDIRECT -p tcp -j REDIRECT --to-ports 15001",
        "-A VMESH_INBOUND -p tcp --dport 22 -j RETURN", "-A VMESH_OUTPUT -m owner --uid-owner 998 -j RETURN",
        "-A VMESH_OUTPUT -m owner --gid-owner 997 -j RETURN", "-A PREROUTING -p tcp -j VMESH_INBOUND");
    assertThat(AgentIptablesCommand.envoyConfigured("auto")).isTrue();
    assertThat(AgentIptablesCommand.envoyConfigured("/usr/local/bin/envoy")).isTrue();
    assertThat(AgentIptablesCommand.envoyConfigured("off")).isFalse();
    assertThat(AgentIptablesCommand.envoyConfigured(null)).isFalse();

    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_SERVICE_CIDR='10.0.0.0/8,10.1.2'\n");
    Cli bad = Cli.run("agent", "iptables", "--dry-run", "--traffic", "on", "--config-dir", tmp.toString());
    assertThat(bad.exit()).isOne();
    assertThat(bad.err()).contains("cluster.env: ISTIO_SERVICE_CIDR='10.0.0.0/8,10.1.2': \"10.1.2\" is not an"
        + " address range");
    // Removal does not depend on a readable cluster.env.
    Cli removeAnyway = Cli.run("agent", "iptables", "--remove", "--dry-run", "--config-dir", tmp.toString(),
        "--backend", "nft");
    assertThat(removeAnyway.exit()).isZero();
    assertThat(removeAnyway.out()).contains("delete table ip vmesh");

    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_CUSTOM_IP_TABLES='true'\nISTIO_SERVICE_CIDR='*'\n");
    Cli custom = Cli.run("agent", "iptables", "--traffic", "on", "--config-dir", tmp.toString());
    assertThat(custom.exit()).isZero();
    assertThat(custom.out()).contains("yours to manage; nothing done");
  }

  @Test
  void resolvedDropInRoutesTheSavedTablesDomainsAndIsRemovable() throws Exception {
    Path state = tmp.resolve("state");
    Files.createDirectories(state.resolve("dns"));
    Files.writeString(state.resolve("dns/name-table.json"), "{\"web.vm.example.com\": {\"ips\": [\"240.240.0.5\"],"
        + " \"registry\": \"External\"}}");
    Path dropIns = tmp.resolve("resolved.conf.d");
    Cli write = Cli.run("agent", "resolved", "--state-dir", state.toString(), "--drop-in-dir", dropIns.toString(),
        "--no-reload");
    assertThat(write.exit()).as(write.err()).isZero();
    assertThat(Files.readString(dropIns.resolve("vmesh.conf"))).contains("DNS=127.0.0.1:15053",
        "Domains=~cluster.local ~vm.example.com");
    Cli explicit = Cli.run("agent", "resolved", "--domains", "corp.example", "--dry-run");
    assertThat(explicit.out()).contains("Domains=~corp.example");
    Cli remove = Cli.run("agent", "resolved", "--remove", "--drop-in-dir", dropIns.toString(), "--no-reload");
    assertThat(remove.exit()).isZero();
    assertThat(dropIns.resolve("vmesh.conf")).doesNotExist();
    Cli none = Cli.run("agent", "resolved", "--state-dir", tmp.resolve("empty").toString(), "--dry-run");
    assertThat(none.exit()).isOne();
    assertThat(none.err()).contains("pass --domains");
  }
}
