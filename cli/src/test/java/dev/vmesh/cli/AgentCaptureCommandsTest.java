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
    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_META_DNS_CAPTURE='false'\n");
    Cli off = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--resolv-conf",
        resolv.toString(), "--backend", "iptables");
    assertThat(off.exit()).isZero();
    assertThat(off.out()).contains("DNS capture is off").doesNotContain("REDIRECT");

    Files.writeString(tmp.resolve("cluster.env"), "ISTIO_META_DNS_CAPTURE='true'\n");
    Cli on = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--resolv-conf",
        resolv.toString(), "--backend", "iptables", "--user", "vmesh");
    assertThat(on.exit()).as(on.err()).isZero();
    assertThat(on.out()).contains(
        "iptables -w -t nat -A VMESH_DNS_OUTPUT -m owner --uid-owner vmesh -j RETURN",
        "iptables -w -t nat -A VMESH_DNS_OUTPUT -p udp -d 10.0.0.2/32 --dport 53 -j REDIRECT --to-ports 15053",
        "ip6tables -w -t nat -A VMESH_DNS_OUTPUT -p tcp -d fd00::53/128 --dport 53 -j REDIRECT --to-ports 15053");
    assertThat(on.out().lines().filter(l -> l.contains("-p udp -d 10.0.0.2/32 --dport 53 -j REDIRECT")).count())
        .isOne();

    Cli nft = Cli.run("agent", "iptables", "--dry-run", "--force", "--config-dir", tmp.resolve("none").toString(),
        "--resolv-conf", resolv.toString(), "--backend", "nft");
    assertThat(nft.out()).startsWith("nft -f - <<'EOF'").contains("table inet vmesh_dns");
    Cli remove = Cli.run("agent", "iptables", "--dry-run", "--remove", "--backend", "iptables");
    assertThat(remove.out()).contains("iptables -w -t nat -D OUTPUT -j VMESH_DNS_OUTPUT 2>/dev/null || true");

    Files.writeString(resolv, "search example.com\n");
    Cli empty = Cli.run("agent", "iptables", "--dry-run", "--config-dir", tmp.toString(), "--resolv-conf",
        resolv.toString(), "--backend", "iptables");
    assertThat(empty.exit()).isOne();
    assertThat(empty.err()).contains("names no nameserver");
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
