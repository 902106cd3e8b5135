package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vmesh.agent.envoy.EnvoyBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two VMs and a server, each a network namespace on one bridge, everything real: the server, an agent per
 * VM with capture on (iptables) running a real Envoy 1.40, and the applications. On VM a, an ordinary
 * program run by an ordinary user ({@code curl} as nobody) reaches the service on VM b by name: the agent's
 * DNS proxy answers with the virtual IP, capture hands the connection to a's Envoy, which originates mutual
 * TLS (SNI, ALPN, b's SPIFFE id checked) to b, whose capture hands it to b's Envoy, which terminates it and
 * delivers to the app from 127.0.0.6 with a's SPIFFE id in {@code x-forwarded-client-cert}. A TCP service
 * works by virtual IP; a destination the mesh does not know passes through (ALLOW_ANY) or is refused
 * (REGISTRY_ONLY: TCP closed, an unknown HTTP host answered 502); a client outside the mesh reaches b in
 * plain text under the default PERMISSIVE mode, not under STRICT (but on a port-level PERMISSIVE port), and
 * under DISABLE a's Envoy sends plain text too.
 */
class MeshTrafficCrossesBothEnvoysWithMutualTlsTest {
  static final String SERVER = "10.88.0.1";
  static final String A = "10.88.0.2";
  static final String B = "10.88.0.3";

  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: client, namespace: mesh}
      spec:
        metadata: {labels: {app: client}}
        template: {serviceAccount: client}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web, namespace: mesh}
      spec:
        metadata: {labels: {app: web}}
        template: {serviceAccount: web}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: vmservice, namespace: mesh}
      spec:
        hosts: [vmservice.example.com]
        location: MESH_INTERNAL
        ports:
        - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
        - {number: 9000, name: echo, protocol: TCP}
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      """;

  /** Answers GET with the caller's address and the request headers. */
  static final String HEADERS_APP = """
      import http.server, sys
      class H(http.server.BaseHTTPRequestHandler):
          def do_GET(self):
              body = ("peer=%s\\n" % self.client_address[0]
                      + "".join("%s: %s\\n" % (k.lower(), v) for k, v in self.headers.items())).encode()
              self.send_response(200)
              self.send_header("Content-Length", str(len(body)))
              self.end_headers()
              self.wfile.write(body)
          def log_message(self, *a):
              pass
      http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
      """;

  /** Answers each TCP connection's first bytes with "echo:" and them. */
  static final String ECHO_APP = """
      import socketserver
      class E(socketserver.BaseRequestHandler):
          def handle(self):
              self.request.sendall(b"echo:" + self.request.recv(1024))
      socketserver.ThreadingTCPServer.allow_reuse_address = True
      socketserver.ThreadingTCPServer(("0.0.0.0", 9000), E).serve_forever()
      """;

  @TempDir
  Path tmp;

  @Test
  void allowAny() throws Exception {
    try (Lan lan = setUp("ALLOW_ANY")) {
      String a = ns(lan, "a");
      // by name, through both Envoys, mutual TLS, a's identity forwarded
      String body = awaitServed(lan, a);
      assertThat(body).contains("peer=127.0.0.6")
          .containsPattern("x-forwarded-client-cert: By=spiffe://cluster.local/ns/mesh/sa/web;Hash=[0-9a-f]+;"
              + "Subject=\"[^\"]*\";URI=spiffe://cluster.local/ns/mesh/sa/client");
      assertThat(stat(lan, a, "cluster.outbound|80||vmservice.example.com.ssl.handshake")).isPositive();
      assertThat(stat(lan, ns(lan, "b"), "listener.0.0.0.0_15006.ssl.handshake")).isPositive();

      // TCP by virtual IP (the one DNS gave)
      String vip = lan.asNobody(a, "getent", "ahostsv4", "vmservice.example.com").out().split("\\s+")[0];
      assertThat(vip).startsWith("240.240.");
      assertThat(lan.asNobody(a, "bash", "-c", "exec 3<>/dev/tcp/" + vip + "/9000; printf hi >&3; timeout 5 cat <&3")
          .out().strip()).isEqualTo("echo:hi");

      // unknown destination: passed through
      assertThat(lan.asNobody(a, "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
          "http://" + SERVER + ":8081/").out()).isEqualTo("200");

      // a client outside the mesh reaches b in plain text (PERMISSIVE), with no caller identity
      String plain = lan.exec(ns(lan, "server"), "curl", "-sS", "-m", "5", "http://" + B + ":8080/").out();
      assertThat(plain).startsWith("peer=127.0.0.6").doesNotContain("x-forwarded-client-cert");
    }
  }

  @Test
  void registryOnly() throws Exception {
    try (Lan lan = setUp("REGISTRY_ONLY")) {
      String a = ns(lan, "a");
      awaitServed(lan, a);
      Lan.Result unknown = lan.asNobody(a, "curl", "-sS", "-m", "5", "http://" + SERVER + ":8081/");
      assertThat(unknown.exit()).as(unknown.out()).isNotZero();
      assertThat(lan.asNobody(a, "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "-H",
          "Host: unknown.example.org", "http://vmservice.example.com/").out()).isEqualTo("502");
    }
  }

  @Test
  void peerAuthenticationDecidesWhatBAccepts() throws Exception {
    try (Lan lan = setUp("ALLOW_ANY")) {
      String a = ns(lan, "a");
      String outside = ns(lan, "server");
      awaitServed(lan, a);

      // STRICT for b's workload, but its echo port stays PERMISSIVE
      Files.writeString(tmp.resolve("config/pa.yaml"), """
          apiVersion: security.istio.io/v1
          kind: PeerAuthentication
          metadata: {name: web, namespace: mesh}
          spec:
            selector: {matchLabels: {app: web}}
            mtls: {mode: STRICT}
            portLevelMtls:
              9000: {mode: PERMISSIVE}
          """);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(lan.exec(outside, "curl", "-sS", "-m", "5", "http://" + B + ":8080/").exit())
              .as("plain text to a STRICT port is closed").isNotZero());
      assertThat(lan.asNobody(a, "curl", "-sS", "-m", "5", "http://vmservice.example.com/").out())
          .contains("x-forwarded-client-cert: By=spiffe://cluster.local/ns/mesh/sa/web");
      // (more than a TLS record header: Envoy's TLS inspector waits for 5 bytes before it calls a stream plain)
      assertThat(lan.exec(outside, "bash", "-c", "exec 3<>/dev/tcp/" + B + "/9000; printf 'hello mesh' >&3; "
          + "timeout 5 cat <&3").out().strip()).as(() -> "the port-level PERMISSIVE port" + inboundChains(lan, "b"))
          .isEqualTo("echo:hello mesh");

      // DISABLE: plain text only; a's Envoy stops originating TLS to b (its endpoint loses tlsMode: istio)
      Files.writeString(tmp.resolve("config/pa.yaml"), """
          apiVersion: security.istio.io/v1
          kind: PeerAuthentication
          metadata: {name: web, namespace: mesh}
          spec:
            selector: {matchLabels: {app: web}}
            mtls: {mode: DISABLE}
          """);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(lan.exec(outside, "curl", "-sS", "-m", "5", "http://" + B + ":8080/").out())
              .startsWith("peer="));
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(lan.asNobody(a, "curl", "-sS", "-m", "5", "http://vmservice.example.com/").out())
              .startsWith("peer=").doesNotContain("x-forwarded-client-cert"));
    }
  }

  /** Waits until curl on {@code a} gets an answer from the app on b, and returns it. */
  private static String awaitServed(Lan lan, String a) {
    String[] last = {""};
    try {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
        last[0] = lan.asNobody(a, "curl", "-sS", "-m", "5", "http://vmservice.example.com/").out();
        return last[0].startsWith("peer=");
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("curl on a: " + last[0] + diagnostics(lan), e);
    }
    return last[0];
  }

  /** b's virtualInbound as Envoy holds it and its chain-match counters, for failure messages. */
  private static String inboundChains(Lan lan, String vm) {
    try {
      String ns = lan.namespace(vm);
      return lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/stats?filter=no_filter_chain_match|inbound%7C9000").out()
          + lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/config_dump?resource=dynamic_listeners&name_regex=virtualInbound")
              .out();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static String diagnostics(Lan lan) {
    StringBuilder out = new StringBuilder();
    try {
      for (String vm : List.of("a", "b")) {
        String ns = lan.namespace(vm);
        out.append("\n=== ").append(vm).append(" iptables\n").append(lan.exec(ns, "iptables-save", "-t", "nat").out())
            .append("\n=== ").append(vm).append(" envoy stats\n").append(lan.exec(ns, "curl", "-s",
                "http://127.0.0.1:15000/stats?filter=update_(rejected|success)|listener_manager|ssl.handshake|"
                    + "ssl.connection_error|cx_connect_fail|downstream_cx_total").out())
            .append("\n=== ").append(vm).append(" listeners\n")
            .append(lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/listeners").out())
            .append("\n=== ").append(vm).append(" clusters\n")
            .append(lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/clusters?filter=vmservice").out())
            .append(lan.log("agent-" + (vm.equals("a") ? "client" : "web")));
      }
      out.append(lan.log("server"));
    } catch (Exception e) {
      out.append(e);
    }
    return out.toString();
  }

  private static String ns(Lan lan, String name) {
    return lan.namespace(name);
  }

  /** Envoy's counter {@code name} in {@code ns} (-1 when it has none). */
  private long stat(Lan lan, String ns, String name) throws Exception {
    String suffix = name.substring(name.lastIndexOf('.') + 1);
    for (String line : lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/stats?filter=" + suffix).out().split("\n")) {
      if (line.startsWith(name + ": ")) {
        return Long.parseLong(line.substring(name.length() + 2).strip());
      }
    }
    return -1;
  }

  /** The server (with {@code policy}) and VMs a (group client) and b (group web, with its apps), all started. */
  private Lan setUp(String policy) throws Exception {
    assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root for network namespaces");
    assumeTrue(Lan.run("sh", "-c", "command -v ip && command -v curl && command -v setpriv && command -v iptables")
        .exit() == 0, "needs ip, curl, setpriv, iptables");
    Path envoy = EnvoyBinary.find(System.getenv()).path();
    assertThat(VmeshProcess.JAR).as("the fat jar (./mvnw package builds dist before e2e)").exists();
    Lan lan = new Lan(tmp);
    try {
      String resolv = "nameserver " + SERVER + "\noptions attempts:1 timeout:2\n";
      String server = lan.machine("server", SERVER, resolv);
      String a = lan.machine("a", A, resolv);
      String b = lan.machine("b", B, resolv);
      Path config = Files.createDirectories(tmp.resolve("config"));
      Files.writeString(config.resolve("mesh.yaml"), MESH);
      Path data = tmp.resolve("data");
      lan.background(server, "server", java("server", "--data-dir", data.toString(), "--config", config.toString(),
          "--http-address", "0.0.0.0:15014", "--xds-address", "0.0.0.0:15012", "--server-name",
          "vmesh-server,localhost,127.0.0.1," + SERVER, "--outbound-traffic-policy", policy));
      lan.background(server, "unknown", List.of("python3", "-m", "http.server", "8081", "--bind", SERVER));
      await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data.resolve("admin-token")));
      lan.background(b, "web", List.of("python3", "-c", HEADERS_APP, "8080"));
      lan.background(b, "echo", List.of("python3", "-c", ECHO_APP));
      startVm(lan, server, a, "client", A, data, envoy);
      startVm(lan, server, b, "web", B, data, envoy);
      return lan;
    } catch (Exception | AssertionError e) {
      lan.close();
      throw e;
    }
  }

  private void startVm(Lan lan, String server, String ns, String group, String ip, Path data, Path envoy)
      throws Exception {
    Path etc = tmp.resolve("etc-" + group);
    await().atMost(Duration.ofSeconds(60)).until(() -> lan.exec(server, java("workload", "entry", "configure",
        "--name", group, "-n", "mesh", "-o", etc.toString(), "--autoregister", "--internal-ip", ip,
        "--discovery-address", SERVER + ":15012", "--token-file", data.resolve("admin-token").toString())
        .toArray(String[]::new)).exit() == 0);
    // capture every outbound address and inbound port, as istioctl's defaults for a VM do
    Files.writeString(etc.resolve("cluster.env"), "ISTIO_SERVICE_CIDR='*'\nISTIO_INBOUND_PORTS='*'\n",
        java.nio.file.StandardOpenOption.APPEND);
    lan.background(ns, "agent-" + group, java("agent", "--config-dir", etc.toString(), "--state-dir",
        Files.createDirectories(tmp.resolve("state-" + group)).toString(), "--run-dir",
        Files.createDirectories(tmp.resolve("run-" + group)).toString(), "--envoy", envoy.toString(),
        "--capture", "iptables", "--status-address", "127.0.0.1:15020", "--readiness-address", "127.0.0.1:15021"));
  }

  private static List<String> java(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx192m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-jar",
        VmeshProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
