package dev.vmesh.e2e;

import static dev.vmesh.e2e.Commands.must;
import static dev.vmesh.e2e.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.e2e.Commands.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS capture with real packets, in a network namespace this test creates: an app (dig, run as the
 * unprivileged user nobody) asks the VM's nameserver 10.53.0.1; the rules from {@code vmesh agent
 * iptables} send that to the DNS proxy on 127.0.0.1:15053, which answers mesh names itself and forwards
 * the rest to 10.53.0.1, running as root, whose packets the rules exempt (otherwise the forward would
 * come back to the proxy). The "nameserver" is a second proxy serving one name. Needs root, iproute2,
 * iptables, setpriv and dig (.ci/run installs them).
 */
class DnsCaptureInANetworkNamespaceTest {
  @TempDir
  Path tmp;
  final String netns = "vmesh-dnscap-" + ProcessHandle.current().pid();
  final List<Process> processes = new ArrayList<>();

  @AfterEach
  void cleanup() throws Exception {
    Commands.killAll(processes);
    run("ip", "netns", "del", netns);
    run("rm", "-rf", "/etc/netns/" + netns);
  }

  /**
   * The whole VM: a real server, onboarding, and an agent with capture on, all inside the namespace
   * (whose /etc/resolv.conf, bind-mounted by {@code ip netns exec}, names 10.53.0.1 and Kubernetes-style
   * search domains). glibc ({@code getent}) and dig, as an unprivileged user, resolve mesh names from the
   * table the server pushed, short names through the search list, and other names through the real
   * nameserver; when the agent stops, its rules go and mesh names stop resolving.
   */
  @Test
  void glibcAndDigResolveMeshNamesThroughTheAgentWithATableFromARealServer() throws Exception {
    setUpNamespace();
    Path etcNetns = Files.createDirectories(Path.of("/etc/netns", netns));
    Files.writeString(etcNetns.resolve("resolv.conf"), "nameserver 10.53.0.1\n"
        + "search default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 attempts:1 timeout:2\n");
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("mesh.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: svc1, namespace: default}
        spec:
          hosts: [svc1.internal.com]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.1.1.1}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: httpbin, namespace: default}
        spec:
          hosts: [httpbin.default.svc.cluster.local]
          addresses: [10.96.0.10]
          ports: [{number: 8000, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.1.1.2}]
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: vm, namespace: default}
        spec:
          template: {serviceAccount: vm}
        """);
    Path upstreamResolv = tmp.resolve("upstream-resolv.conf");
    Files.writeString(upstreamResolv, "nameserver 127.0.0.9\n");
    Path upstreamTable = tmp.resolve("upstream.json");
    Files.writeString(upstreamTable, "{\"outside.example.org\": {\"ips\": [\"192.0.2.77\"], \"registry\": \"External\"}}");
    start("upstream", "dns", "serve", "--table", upstreamTable.toString(), "--listen", "10.53.0.1:53",
        "--resolv-conf", upstreamResolv.toString());
    Path data = tmp.resolve("data");
    start("server", "server", "--data-dir", data.toString(), "--config", config.toString(),
        "--http-address", "127.0.0.1:15014", "--xds-address", "127.0.0.1:15012");
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("admin-token")));
    Path etc = tmp.resolve("etc");
    await().atMost(Duration.ofSeconds(60)).until(() -> vmesh("workload", "entry", "configure", "--name", "vm", "-n",
        "default", "-o", etc.toString(), "--autoregister", "--internal-ip", "127.0.0.1", "--token-file",
        data.resolve("admin-token").toString()).exit() == 0);
    start("agent", "agent", "--config-dir", etc.toString(), "--state-dir", tmp.resolve("state").toString(),
        "--run-dir", tmp.resolve("run").toString(), "--status-address", "127.0.0.1:15020",
        "--readiness-address", "off", "--dns-capture", "iptables");
    Process agent = processes.get(processes.size() - 1);

    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(getentAsNobody("svc1.internal.com"))
        .as(log("agent")).matches("(240\\.240\\.\\d+\\.\\d+|2001:2::[0-9a-f:]+)\\s+svc1\\.internal\\.com(\\s.*)?"));
    // IPv4 as well (getent hosts prefers the IPv6 virtual IP when both exist).
    assertThat(run(Commands.inNetns(netns, Commands.asNobody("getent", "ahostsv4", "svc1.internal.com"))).out())
        .containsPattern("240\\.240\\.\\d+\\.\\d+");
    assertThat(getentAsNobody("httpbin")).startsWith("10.96.0.10").contains("httpbin.default.svc.cluster.local");
    assertThat(getentAsNobody("outside.example.org")).startsWith("192.0.2.77");
    String vip = digAsNobody("svc1.internal.com");
    assertThat(vip).matches("240\\.240\\.\\d+\\.\\d+\\s*");
    // and back: the virtual IP the control plane allocated names its host (PTR from the pushed table)
    assertThat(getentAsNobody(vip.strip())).matches(Pattern.quote(vip.strip()) + "\\s+svc1\\.internal\\.com");

    agent.destroy(); // SIGTERM: the agent removes its rules on the way out
    assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(run("ip", "netns", "exec", netns, "iptables-save").out()).doesNotContain("VMESH");
    assertThat(getentAsNobody("svc1.internal.com")).isEmpty();
    assertThat(getentAsNobody("outside.example.org")).startsWith("192.0.2.77");
  }

  private void setUpNamespace() throws Exception {
    Commands.assumeRootWith("ip", "iptables", "setpriv", "dig");
    must("ip", "netns", "add", netns);
    must("ip", "-n", netns, "link", "set", "lo", "up");
    must("ip", "-n", netns, "addr", "add", "10.53.0.1/32", "dev", "lo");
  }

  private String getentAsNobody(String name) throws Exception {
    return run(Commands.inNetns(netns, Commands.asNobody("getent", "hosts", name))).out().strip();
  }

  private String log(String name) {
    try {
      return Files.readString(tmp.resolve(name + ".log"));
    } catch (IOException e) {
      return "";
    }
  }

  @Test
  void appQueriesAreCapturedAndTheProxysOwnForwardsAreNot() throws Exception {
    setUpNamespace();

    // The VM's resolv.conf names 10.53.0.1; the "upstream" there knows outside.example.org.
    Path resolv = tmp.resolve("resolv.conf");
    Files.writeString(resolv, "nameserver 10.53.0.1\n");
    Path upstreamResolv = tmp.resolve("upstream-resolv.conf");
    Files.writeString(upstreamResolv, "nameserver 127.0.0.9\n");
    Path upstreamTable = tmp.resolve("upstream.json");
    Files.writeString(upstreamTable, "{\"outside.example.org\": {\"ips\": [\"192.0.2.77\"], \"registry\": \"External\"}}");
    Path meshTable = tmp.resolve("mesh.json");
    Files.writeString(meshTable, "{\"web.vm.example.com\": {\"ips\": [\"240.240.0.5\"], \"registry\": \"External\"}}");
    Path env = Files.createDirectories(tmp.resolve("etc"));
    Files.writeString(env.resolve("cluster.env"), "ISTIO_META_DNS_CAPTURE='true'\n");

    start("upstream", "dns", "serve", "--table", upstreamTable.toString(), "--listen", "10.53.0.1:53",
        "--resolv-conf", upstreamResolv.toString());
    start("proxy", "dns", "serve", "--table", meshTable.toString(), "--listen", "127.0.0.1:15053",
        "--resolv-conf", resolv.toString());
    await().atMost(Duration.ofSeconds(60)).until(() -> digAsRoot("10.53.0.1", "outside.example.org").contains("192.0.2.77")
        && digAsRoot("127.0.0.1 -p 15053", "web.vm.example.com").contains("240.240.0.5"));

    // Before capture, an app asking the nameserver for a mesh name gets nothing.
    assertThat(digAsNobody("web.vm.example.com")).doesNotContain("240.240.0.5");

    Result install = vmesh("agent", "iptables", "--config-dir", env.toString(), "--resolv-conf", resolv.toString(),
        "--user", "root", "--group", "root", "--backend", "iptables");
    assertThat(install.exit()).as(install.out()).isZero();
    // Captured: the proxy answers the mesh name, and forwards the rest to the real nameserver (which
    // it can reach only because its own packets, as root, are exempt).
    assertThat(digAsNobody("web.vm.example.com")).contains("240.240.0.5");
    assertThat(digAsNobody("outside.example.org")).contains("192.0.2.77");
    // Root (the agent's user here) still talks to the nameserver directly: it does not know mesh names.
    assertThat(digAsRoot("10.53.0.1", "web.vm.example.com")).doesNotContain("240.240.0.5");

    Result remove = vmesh("agent", "iptables", "--remove", "--backend", "iptables");
    assertThat(remove.exit()).as(remove.out()).isZero();
    assertThat(digAsNobody("web.vm.example.com")).doesNotContain("240.240.0.5");
    assertThat(run("ip", "netns", "exec", netns, "iptables-save").out()).doesNotContain("VMESH");
  }

  private String digAsNobody(String name) throws Exception {
    return run(Commands.inNetns(netns, Commands.asNobody("dig", "@10.53.0.1", "+short", "+tries=1", "+time=2", name)))
        .out();
  }

  private String digAsRoot(String server, String name) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns, "dig"));
    String[] parts = server.split(" ");
    cmd.add("@" + parts[0]);
    for (int i = 1; i < parts.length; i++) {
      cmd.add(parts[i]);
    }
    cmd.addAll(List.of("+short", "+tries=1", "+time=2", name));
    return run(cmd.toArray(String[]::new)).out();
  }

  private void start(String name, String... args) throws Exception {
    processes.add(Commands.background(tmp.resolve(name + ".log"),
        Commands.inNetns(netns, Commands.vmesh(args).toArray(String[]::new))));
  }

  private Result vmesh(String... args) throws Exception {
    return run(Commands.inNetns(netns, Commands.vmesh(args).toArray(String[]::new)));
  }
}
