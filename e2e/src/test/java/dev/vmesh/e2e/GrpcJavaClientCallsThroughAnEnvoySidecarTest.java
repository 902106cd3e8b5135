package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop of grpc-xds TLS and Envoy: on VM a, a proxyless grpc-java client (no Envoy, no capture; the
 * bootstrap a's agent wrote) calls {@code xds:///rpc.example.com:7070}, served by a plain-text gRPC app on
 * VM b behind b's Envoy sidecar (capture on). grpc-java originates the mutual TLS itself (a's certificate
 * from the agent's files, SNI {@code outbound_.7070_._.rpc.example.com}, ALPN {@code istio}, {@code h2}, b's
 * SPIFFE id checked); b's Envoy terminates it on its inbound chain for 7070 (under PERMISSIVE, which matches
 * mesh TLS by Istio's ALPN values, and under STRICT), and hands the call to the app over HTTP/2 with a's
 * SPIFFE id in {@code x-forwarded-client-cert}. Server, agents, Envoy and both programs are real processes
 * in network namespaces of their own.
 */
class GrpcJavaClientCallsThroughAnEnvoySidecarTest {
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
      metadata: {name: rpc, namespace: mesh}
      spec:
        metadata: {labels: {app: rpc}}
        template: {serviceAccount: rpc}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: rpc, namespace: mesh}
      spec:
        hosts: [rpc.example.com]
        location: MESH_INTERNAL
        ports: [{number: 7070, name: grpc, protocol: GRPC}]
        resolution: STATIC
        workloadSelector: {labels: {app: rpc}}
      """;

  @TempDir
  Path tmp;

  @Test
  void grpcJavasMutualTlsIsTerminatedByEnvoyAndTheAppSeesTheCallersIdentity() throws Exception {
    SidecarMesh.assumeRunnable();
    try (SidecarMesh mesh = SidecarMesh.start(tmp, MESH)) {
      mesh.proxylessVm("a", A, "client");
      String b = mesh.vm("b", B, "rpc");
      mesh.lan.background(b, "app", program("serve", "7070"));

      // PERMISSIVE (no policy): Envoy's chain for 7070 takes TLS with an Istio ALPN value
      String answer = call(mesh);
      assertThat(answer).contains("By=spiffe://cluster.local/ns/mesh/sa/rpc")
          .contains("URI=spiffe://cluster.local/ns/mesh/sa/client");
      assertThat(mesh.envoyStat("b", "listener.0.0.0.0_15006.ssl.handshake")).as("b's Envoy terminated TLS")
          .isPositive();
      assertThat(plainText(mesh)).as("and takes plain text from outside the mesh").isZero();

      // STRICT: TLS alone decides; the same client passes
      Files.writeString(mesh.config.resolve("pa.yaml"), """
          apiVersion: security.istio.io/v1
          kind: PeerAuthentication
          metadata: {name: rpc, namespace: mesh}
          spec:
            selector: {matchLabels: {app: rpc}}
            mtls: {mode: STRICT}
          """);
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
          assertThat(plainText(mesh)).as("plain text to a STRICT port is closed").isNotZero());
      assertThat(call(mesh)).contains("URI=spiffe://cluster.local/ns/mesh/sa/client");
    }
  }

  /** Runs the client on a once it has a certificate (its agent's files), and returns the app's answer. */
  private static String call(SidecarMesh mesh) throws Exception {
    Path bootstrap = mesh.stateDir("a").resolve("grpc-bootstrap.json");
    await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(bootstrap)
        && Files.exists(mesh.stateDir("a").resolve("certs/cert-chain.pem")));
    List<String> cmd = new ArrayList<>(List.of("env", "GRPC_XDS_BOOTSTRAP=" + bootstrap));
    cmd.addAll(program("call", "rpc.example.com:7070"));
    Commands.Result r = mesh.lan.exec(mesh.ns("a"), cmd.toArray(String[]::new));
    assertThat(r.out()).as(() -> r.out() + mesh.diagnostics("b") + mesh.lan.log("app")).contains("answer=");
    return r.out();
  }

  /** curl's exit code for a plain-text HTTP/2 request from outside the mesh to b's gRPC port (0: answered). */
  private static int plainText(SidecarMesh mesh) throws Exception {
    return mesh.lan.exec(mesh.ns("server"), "curl", "-sS", "-m", "5", "-o", "/dev/null", "--http2-prior-knowledge",
        "http://" + B + ":7070/vmesh.test.Echo/Who").exit();
  }

  /** {@link GrpcJavaProgram} on this test's class path. */
  private static List<String> program(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        GrpcJavaProgram.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
