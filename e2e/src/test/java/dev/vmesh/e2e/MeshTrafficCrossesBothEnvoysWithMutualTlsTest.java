package dev.vmesh.e2e;

import static dev.vmesh.e2e.SidecarMesh.SERVER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
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
  static final String A = "10.88.0.2";
  static final String B = "10.88.0.3";

  static final String MESH = SidecarMesh.CLIENT_AND_WEB_GROUPS + """
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
    try (SidecarMesh mesh = setUp("ALLOW_ANY")) {
      // by name, through both Envoys, mutual TLS, a's identity forwarded
      String body = awaitServed(mesh);
      assertThat(body).contains("peer=127.0.0.6")
          .containsPattern("x-forwarded-client-cert: By=spiffe://cluster.local/ns/mesh/sa/web;Hash=[0-9a-f]+;"
              + "Subject=\"[^\"]*\";URI=spiffe://cluster.local/ns/mesh/sa/client");
      assertThat(mesh.envoyStat("a", "cluster.outbound|80||vmservice.example.com.ssl.handshake")).isPositive();
      assertThat(mesh.envoyStat("b", "listener.0.0.0.0_15006.ssl.handshake")).isPositive();

      // TCP by virtual IP (the one DNS gave)
      String vip = mesh.asNobody("a", "getent", "ahostsv4", "vmservice.example.com").out().split("\\s+")[0];
      assertThat(vip).startsWith("240.240.");
      assertThat(mesh.asNobody("a", "bash", "-c", "exec 3<>/dev/tcp/" + vip + "/9000; printf hi >&3; timeout 5 cat <&3")
          .out().strip()).isEqualTo("echo:hi");

      // unknown destination: passed through
      assertThat(mesh.asNobody("a", "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
          "http://" + SERVER + ":8081/").out()).isEqualTo("200");

      // a client outside the mesh reaches b in plain text (PERMISSIVE), with no caller identity
      String plain = mesh.lan.exec(mesh.ns("server"), "curl", "-sS", "-m", "5", "http://" + B + ":8080/").out();
      assertThat(plain).startsWith("peer=127.0.0.6").doesNotContain("x-forwarded-client-cert");
    }
  }

  @Test
  void registryOnly() throws Exception {
    try (SidecarMesh mesh = setUp("REGISTRY_ONLY")) {
      awaitServed(mesh);
      Commands.Result unknown = mesh.asNobody("a", "curl", "-sS", "-m", "5", "http://" + SERVER + ":8081/");
      assertThat(unknown.exit()).as(unknown.out()).isNotZero();
      assertThat(mesh.asNobody("a", "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}", "-H",
          "Host: unknown.example.org", "http://vmservice.example.com/").out()).isEqualTo("502");
    }
  }

  @Test
  void peerAuthenticationDecidesWhatBAccepts() throws Exception {
    try (SidecarMesh mesh = setUp("ALLOW_ANY")) {
      Lan lan = mesh.lan;
      String outside = mesh.ns("server");
      awaitServed(mesh);

      // STRICT for b's workload, but its echo port stays PERMISSIVE
      Files.writeString(mesh.config.resolve("pa.yaml"), """
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
      assertThat(mesh.curlAsNobody("a", "http://vmservice.example.com/"))
          .contains("x-forwarded-client-cert: By=spiffe://cluster.local/ns/mesh/sa/web");
      // (more than a TLS record header: Envoy's TLS inspector waits for 5 bytes before it calls a stream plain)
      assertThat(lan.exec(outside, "bash", "-c", "exec 3<>/dev/tcp/" + B + "/9000; printf 'hello mesh' >&3; "
          + "timeout 5 cat <&3").out().strip()).as(() -> "the port-level PERMISSIVE port" + inboundChains(mesh, "b"))
          .isEqualTo("echo:hello mesh");

      // DISABLE: plain text only; a's Envoy stops originating TLS to b (its endpoint loses tlsMode: istio)
      Files.writeString(mesh.config.resolve("pa.yaml"), """
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
          assertThat(mesh.curlAsNobody("a", "http://vmservice.example.com/"))
              .startsWith("peer=").doesNotContain("x-forwarded-client-cert"));
    }
  }

  /** Waits until curl on a gets an answer from the app on b, and returns it. */
  private static String awaitServed(SidecarMesh mesh) {
    String[] last = {""};
    try {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
        last[0] = mesh.curlAsNobody("a", "http://vmservice.example.com/");
        return last[0].startsWith("peer=");
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("curl on a: " + last[0] + mesh.diagnostics("a", "b"), e);
    }
    return last[0];
  }

  /** b's virtualInbound as Envoy holds it and its chain-match counters, for failure messages. */
  private static String inboundChains(SidecarMesh mesh, String vm) {
    try {
      String ns = mesh.ns(vm);
      return mesh.lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/stats?filter=no_filter_chain_match|inbound%7C9000")
          .out() + mesh.lan.exec(ns, "curl", "-s",
              "http://127.0.0.1:15000/config_dump?resource=dynamic_listeners&name_regex=virtualInbound").out();
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** The server (with {@code policy}) and VMs a (group client) and b (group web, with its apps), all started. */
  private SidecarMesh setUp(String policy) throws Exception {
    SidecarMesh.assumeRunnable();
    SidecarMesh mesh = SidecarMesh.start(tmp, MESH, "--outbound-traffic-policy", policy);
    try {
      mesh.vm("a", A, "client");
      String b = mesh.vm("b", B, "web");
      mesh.lan.background(b, "web", List.of("python3", "-c", HEADERS_APP, "8080"));
      mesh.lan.background(b, "echo", List.of("python3", "-c", ECHO_APP));
      return mesh;
    } catch (Exception | AssertionError e) {
      mesh.close();
      throw e;
    }
  }
}
