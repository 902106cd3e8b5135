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
 * A Sidecar scopes a real VM's Envoy and DNS proxy, everything real (server, two VMs in network namespaces, agents
 * with capture, Envoy 1.40): VM a's Sidecar lists only vmservice and says REGISTRY_ONLY while the mesh allows any
 * destination. a reaches vmservice by name through both Envoys; its Envoy holds no listener, cluster, route or
 * endpoint of outsider (served by the same VM b), its DNS proxy does not answer outsider's name, and outsider's
 * virtual IP and a destination outside the mesh are refused. Every config a's Envoy took was accepted. Widening
 * the Sidecar reaches the running Envoy: outsider is then served by name.
 */
class AVmSeesOnlyTheServicesItsSidecarListsTest {
  static final String A = "10.88.0.2";
  static final String B = "10.88.0.3";

  static final String MESH = SidecarMesh.CLIENT_AND_WEB_GROUPS + """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: vmservice, namespace: mesh}
      spec:
        hosts: [vmservice.example.com]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: outsider, namespace: mesh}
      spec:
        hosts: [outsider.example.com]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web}}
      """;

  static final String SIDECAR = """
      apiVersion: networking.istio.io/v1
      kind: Sidecar
      metadata: {name: client, namespace: mesh}
      spec:
        workloadSelector: {labels: {app: client}}
        egress:
        - hosts: [./vmservice.example.com]
        outboundTrafficPolicy: {mode: REGISTRY_ONLY}
      """;

  @TempDir
  Path tmp;

  @Test
  void theSidecarDecidesWhatVmASeesAndReaches() throws Exception {
    SidecarMesh.assumeRunnable();
    try (SidecarMesh mesh = SidecarMesh.start(tmp, MESH, "--outbound-traffic-policy", "ALLOW_ANY")) {
      Files.writeString(mesh.config.resolve("sidecar.yaml"), SIDECAR);
      mesh.vm("a", A, "client");
      String b = mesh.vm("b", B, "web");
      mesh.lan.background(b, "web", List.of("python3", "-c", MeshTrafficCrossesBothEnvoysWithMutualTlsTest.HEADERS_APP,
          "8080"));

      String body = awaitServed(mesh, "http://vmservice.example.com/");
      assertThat(body).contains("URI=spiffe://cluster.local/ns/mesh/sa/client");

      String dump = mesh.lan.exec(mesh.ns("a"), "curl", "-s", "http://127.0.0.1:15000/config_dump?include_eds").out();
      assertThat(dump).contains("outbound|80||vmservice.example.com").doesNotContain("outsider.example.com");
      assertThat(mesh.lan.exec(mesh.ns("b"), "curl", "-s", "http://127.0.0.1:15000/config_dump").out())
          .as("b has no Sidecar: it sees both").contains("outbound|80||outsider.example.com");

      assertThat(mesh.asNobody("a", "getent", "ahostsv4", "outsider.example.com").exit())
          .as("a's DNS proxy does not answer a name outside its scope").isNotZero();
      String outsiderVip = mesh.asNobody("b", "getent", "ahostsv4", "outsider.example.com").out().split("\\s+")[0];
      assertThat(outsiderVip).startsWith("240.240.");
      Commands.Result byVip = mesh.asNobody("a", "curl", "-sS", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
          "http://" + outsiderVip + "/");
      assertThat(byVip.out()).as("outsider by its virtual IP is refused (REGISTRY_ONLY from the Sidecar)")
          .isEqualTo("502");
      Commands.Result unknown = mesh.asNobody("a", "curl", "-sS", "-m", "5", "http://" + SERVER + ":8081/");
      assertThat(unknown.exit()).as("the Sidecar's REGISTRY_ONLY overrides the mesh's ALLOW_ANY: " + unknown.out())
          .isNotZero();
      assertThat(mesh.curlAsNobody("b", "http://" + SERVER + ":8081/")).as("b keeps the mesh's ALLOW_ANY")
          .contains("Directory listing");

      Files.writeString(mesh.config.resolve("sidecar.yaml"), SIDECAR.replace("[./vmservice.example.com]",
          "[./vmservice.example.com, ./outsider.example.com]"));
      assertThat(awaitServed(mesh, "http://outsider.example.com/")).contains("URI=spiffe://cluster.local/ns/mesh/sa/client");
      assertNothingRejected(mesh, "a");
    }
  }

  /** Every xDS update a's Envoy took was accepted (no NACK of any type). */
  private static void assertNothingRejected(SidecarMesh mesh, String vm) throws Exception {
    String stats = mesh.lan.exec(mesh.ns(vm), "curl", "-s", "http://127.0.0.1:15000/stats?filter=update_rejected")
        .out();
    assertThat(stats).contains("cluster_manager.cds.update_rejected: 0", "listener_manager.lds.update_rejected: 0");
    assertThat(stats.lines().filter(l -> !l.endsWith(": 0")).toList()).as(stats).isEmpty();
  }

  /** Waits until curl on a gets an answer from the app on b at {@code url}, and returns it. */
  private static String awaitServed(SidecarMesh mesh, String url) {
    String[] last = {""};
    try {
      await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
        last[0] = mesh.curlAsNobody("a", url);
        return last[0].startsWith("peer=");
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("curl " + url + " on a: " + last[0] + mesh.diagnostics("a", "b"), e);
    }
    return last[0];
  }
}
