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
 * Istio's protocol detection and its services without a single-IP address, through two real Envoys in
 * network namespaces (the mesh of {@link MeshTrafficCrossesBothEnvoysWithMutualTlsTest}). Service
 * {@code mixed.example.com} has one port without a protocol; one app on VM b answers HTTP with the request's
 * headers and echoes anything else on that one port:
 *
 * <ul>
 *   <li>From VM a, by name: HTTP reaches the app through both Envoys with mTLS, detected as HTTP on both
 *       sides (a's Envoy marks the connection as mesh HTTP with Istio's ALPN, b's Envoy terminates it in an
 *       HTTP chain and adds a's SPIFFE id in {@code x-forwarded-client-cert}); raw TCP to the same name and
 *       port reaches it too, with mTLS, and comes back echoed.
 *   <li>From outside the mesh, in plain text (PERMISSIVE): b's Envoy sniffs HTTP (its {@code server} header
 *       answers) and passes raw TCP. Under STRICT both are refused while a's HTTP and TCP still pass.
 *   <li>A service whose address is a CIDR: TCP to any address inside it reaches b with mTLS; a TCP service
 *       without any address takes its whole port: TCP to an address nothing listens on reaches b, while HTTP to
 *       an HTTP service on the same port still goes by its route.
 * </ul>
 */
class APortWithoutProtocolCarriesHttpAndTcpThroughBothEnvoysTest {
  static final String A = "10.88.0.2";
  static final String B = "10.88.0.3";

  static final String MESH = SidecarMesh.CLIENT_AND_WEB_GROUPS + """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: mixed, namespace: mesh}
      spec:
        hosts: [mixed.example.com]
        location: MESH_INTERNAL
        ports:
        - {number: 7000, name: mixed, targetPort: 7070}
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: range, namespace: mesh}
      spec:
        hosts: [range.example.com]
        addresses: [10.99.0.0/24]
        location: MESH_INTERNAL
        ports:
        - {number: 9100, name: tcp, protocol: TCP, targetPort: 7071}
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata:
        name: legacy
        namespace: mesh
        labels: {networking.istio.io/enable-autoallocate-ip: "false"}
      spec:
        hosts: [legacy.example.com]
        location: MESH_INTERNAL
        ports:
        - {number: 9200, name: tcp, protocol: TCP, targetPort: 7072}
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: shared, namespace: mesh}
      spec:
        hosts: [shared.example.com]
        location: MESH_INTERNAL
        ports:
        - {number: 9200, name: http, protocol: HTTP, targetPort: 7070}
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      """;

  /**
   * On one port: a request starting with GET is answered with the caller's address and the request headers;
   * anything else is echoed back after "echo:".
   */
  static final String MIXED_APP = """
      import socketserver, sys
      class M(socketserver.BaseRequestHandler):
          def handle(self):
              data = self.request.recv(65536)
              if not data.startswith(b"GET "):
                  self.request.sendall(b"echo:" + data)
                  return
              while b"\\r\\n\\r\\n" not in data:
                  more = self.request.recv(65536)
                  if not more:
                      return
                  data += more
              lines = data.split(b"\\r\\n\\r\\n")[0].decode("latin-1").split("\\r\\n")[1:]
              body = "peer=%s\\n" % self.client_address[0]
              for line in lines:
                  k, _, v = line.partition(":")
                  body += "%s: %s\\n" % (k.lower(), v.strip())
              head = "HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % len(body)
              self.request.sendall(head.encode() + body.encode())
      socketserver.ThreadingTCPServer.allow_reuse_address = True
      socketserver.ThreadingTCPServer(("0.0.0.0", int(sys.argv[1])), M).serve_forever()
      """;

  static final String XFCC = "x-forwarded-client-cert: By=spiffe://cluster.local/ns/mesh/sa/web;Hash=[0-9a-f]+;"
      + "Subject=\"[^\"]*\";URI=spiffe://cluster.local/ns/mesh/sa/client";

  @TempDir
  Path tmp;

  @Test
  void httpAndTcpShareAnAutoDetectedPortAndCidrAndAddresslessServicesGetTheirTraffic() throws Exception {
    SidecarMesh.assumeRunnable();
    try (SidecarMesh mesh = SidecarMesh.start(tmp, MESH)) {
      mesh.vm("a", A, "client");
      String b = mesh.vm("b", B, "web");
      // one app per target port (a target port belongs to one service: the first by hostname)
      for (int port = 7070; port <= 7072; port++) {
        mesh.lan.background(b, "app" + port, List.of("python3", "-c", MIXED_APP, Integer.toString(port)));
      }
      String outside = mesh.ns("server");

      // HTTP from a, detected as HTTP on both sides: mTLS, a's identity forwarded
      String body = awaitHttp(mesh);
      assertThat(body).startsWith("peer=127.0.0.6").containsPattern(XFCC);
      // raw TCP to the same name and port: sniffed as not HTTP, carried as TCP with mTLS
      long handshakes = mesh.envoyStat("a", "cluster.outbound|7000||mixed.example.com.ssl.handshake");
      assertThat(tcp(mesh, "mixed.example.com", 7000, "hello mesh")).isEqualTo("echo:hello mesh");
      assertThat(mesh.envoyStat("a", "cluster.outbound|7000||mixed.example.com.ssl.handshake"))
          .as("the TCP connection took its own mTLS connection").isGreaterThan(handshakes);
      assertThat(mesh.envoyStat("b", "tcp.inbound|7070||.downstream_cx_total")).as("b's TCP chain took it")
          .isPositive();

      // outside the mesh, plain text under PERMISSIVE: HTTP sniffed (b's Envoy answers), TCP passed
      String plain = mesh.lan.exec(outside, "curl", "-sS", "-i", "-m", "5", "http://" + B + ":7070/").out();
      assertThat(plain).containsIgnoringCase("server: istio-envoy").contains("peer=127.0.0.6")
          .doesNotContain("x-forwarded-client-cert");
      assertThat(mesh.lan.exec(outside, "bash", "-c", "exec 3<>/dev/tcp/" + B + "/7070; printf 'hello plain\\n' >&3; "
          + "timeout 5 cat <&3").out().strip()).isEqualTo("echo:hello plain");

      // a CIDR service: any address inside it, mTLS to b
      assertThat(tcp(mesh, "10.99.0.7", 9100, "hello range")).isEqualTo("echo:hello range");
      assertThat(mesh.envoyStat("a", "cluster.outbound|9100||range.example.com.ssl.handshake")).isPositive();
      // a service without an address takes its port, whatever the destination, except the HTTP that an HTTP
      // service on the same port claims (sniffed)
      assertThat(tcp(mesh, SERVER, 9200, "hello legacy")).isEqualTo("echo:hello legacy");
      assertThat(mesh.envoyStat("a", "cluster.outbound|9200||legacy.example.com.ssl.handshake")).isPositive();
      assertThat(mesh.curlAsNobody("a", "http://shared.example.com:9200/")).startsWith("peer=127.0.0.6");
      assertThat(mesh.envoyStat("a", "cluster.outbound|9200||shared.example.com.ssl.handshake")).isPositive();

      // STRICT: plain text from outside refused (HTTP and TCP), a's HTTP and TCP still pass
      Files.writeString(mesh.config.resolve("pa.yaml"), """
          apiVersion: security.istio.io/v1
          kind: PeerAuthentication
          metadata: {name: web, namespace: mesh}
          spec:
            selector: {matchLabels: {app: web}}
            mtls: {mode: STRICT}
          """);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(mesh.lan.exec(outside, "curl", "-sS", "-m", "5", "http://" + B + ":7070/").exit())
              .as("plain text to a STRICT port is closed").isNotZero());
      assertThat(mesh.lan.exec(outside, "bash", "-c", "exec 3<>/dev/tcp/" + B + "/7070; printf 'hello plain\\n' >&3; "
          + "timeout 5 cat <&3").out()).doesNotContain("echo:");
      assertThat(mesh.curlAsNobody("a", "http://mixed.example.com:7000/")).containsPattern(XFCC);
      assertThat(tcp(mesh, "mixed.example.com", 7000, "hello strict")).isEqualTo("echo:hello strict");

      for (String vm : List.of("a", "b")) {
        for (String type : List.of("listener_manager.lds", "cluster_manager.cds")) {
          assertThat(mesh.envoyStat(vm, type + ".update_rejected")).as(vm + " " + type).isZero();
        }
      }
    }
  }

  /**
   * Sends the line {@code text} on a TCP connection from a (as nobody) to {@code host:port}; what comes back.
   * (A line: on a port whose protocol is detected, Envoy's HTTP inspector decides at the first newline.)
   */
  private static String tcp(SidecarMesh mesh, String host, int port, String text) throws Exception {
    return mesh.asNobody("a", "bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port + "; printf '" + text
        + "\\n' >&3; timeout 5 cat <&3").out().strip();
  }

  /** Waits until curl on a gets an answer from the app on b by the auto-detected port, and returns it. */
  private static String awaitHttp(SidecarMesh mesh) {
    String[] last = {""};
    try {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
        last[0] = mesh.curlAsNobody("a", "http://mixed.example.com:7000/");
        return last[0].startsWith("peer=");
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("curl on a: " + last[0] + mesh.diagnostics("a", "b"), e);
    }
    return last[0];
  }
}
