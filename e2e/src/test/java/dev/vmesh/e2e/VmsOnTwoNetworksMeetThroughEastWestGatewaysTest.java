package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.agent.envoy.EnvoyBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two networks that reach each other only through their gateways' public addresses (network namespaces on three
 * bridges; each gateway masquerades its network's traffic onto the public segment). Network 1 holds the server,
 * VM a and gateway gw1; network 2 holds VM b and gateway gw2; both gateways run {@code vmesh gateway} (a real
 * Envoy configured from Istio's expose-services.yaml and expose-istiod.yaml). b cannot reach a or the server
 * directly; it is onboarded with {@code --ingress-ip} of gw1, gets its certificate and registers through gw1's
 * 15012 (its entry carries network net2), and reaches a's app by name through gw1 with mutual TLS from b's Envoy
 * to a's (a sees b's SPIFFE id; gw1 holds no TLS context and counts no handshake); a reaches b's app through gw2.
 * With gw1 stopped b keeps its names and its entry; with gw1 back traffic resumes without onboarding again. A second
 * replica of gw1 (gw1b, same WorkloadGroup) registers and b's requests to a spread over both (each gateway's Envoy
 * counts them); gw1b stopped gracefully withdraws first (it reports itself unhealthy, the server drops it from the
 * gateways it sends b, then its Envoy closes), so b's requests keep succeeding.
 */
class VmsOnTwoNetworksMeetThroughEastWestGatewaysTest {
  static final String SERVER = "10.91.1.1";
  static final String A = "10.91.1.2";
  static final String GW1_PRIVATE = "10.91.1.10";
  static final String B = "10.91.2.2";
  static final String GW2_PRIVATE = "10.91.2.10";
  static final String GW1 = "10.91.0.1";
  static final String GW2 = "10.91.0.2";
  static final String GW1B_PRIVATE = "10.91.1.11";
  static final String GW1B = "10.91.0.3";
  static final String RESOLV = "nameserver 192.0.2.53\noptions attempts:1 timeout:1\n";
  /**
   * A probe on the gateways' group, so that the server heeds their health reports (a gateway stopping withdraws
   * with one): Envoy's 15443 listener, which keeps answering while the gateway's link to the server is down (its
   * 15021 readiness does not).
   */
  static final String GATEWAY_PROBE = "probe: {tcpSocket: {port: 15443}, periodSeconds: 1}";

  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web-a, namespace: mesh}
      spec:
        metadata: {labels: {app: web-a}}
        template: {serviceAccount: web-a, network: net1}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: web-b, namespace: mesh}
      spec:
        metadata: {labels: {app: web-b}}
        template: {serviceAccount: web-b, network: net2}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: eastwest-net1, namespace: istio-system}
      spec:
        metadata: {labels: {istio: eastwestgateway, topology.istio.io/network: net1}}
        template: {serviceAccount: istio-eastwestgateway, network: net1, ports: {tls: 15443, tls-istiod: 15012}}
        %2$s
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadGroup
      metadata: {name: eastwest-net2, namespace: istio-system}
      spec:
        metadata: {labels: {istio: eastwestgateway, topology.istio.io/network: net2}}
        template: {serviceAccount: istio-eastwestgateway, network: net2, ports: {tls: 15443, tls-istiod: 15012}}
        %2$s
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web-a, namespace: mesh}
      spec:
        hosts: [web-a.mesh.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web-a}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web-b, namespace: mesh}
      spec:
        hosts: [web-b.mesh.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}]
        resolution: STATIC
        workloadSelector: {labels: {app: web-b}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: istiod, namespace: istio-system}
      spec:
        hosts: [istiod.istio-system.svc.cluster.local]
        location: MESH_INTERNAL
        ports: [{number: 15012, name: tls-xds, protocol: TLS}]
        resolution: STATIC
        endpoints: [{address: %1$s}]
      """.formatted(SERVER, GATEWAY_PROBE);

  @TempDir
  Path tmp;

  @Test
  void vmsOnTwoNetworksReachEachOtherOnlyThroughTheGateways() throws Exception {
    try (Lan lan = setUp()) {
      String a = lan.namespace("a");
      String b = lan.namespace("b");
      // only the gateways' public addresses route between the networks
      assertThat(lan.exec(b, "curl", "-sS", "-m", "3", "http://" + SERVER + ":15014/ready").exit())
          .as("b reaches the server directly").isNotZero();
      assertThat(lan.exec(b, "curl", "-sS", "-m", "3", "http://" + A + ":8080/").exit())
          .as("b reaches a directly").isNotZero();

      String fromB = awaitServed(lan, b, "web-a");
      assertThat(fromB).contains("peer=127.0.0.6").containsPattern(
          "x-forwarded-client-cert: By=spiffe://cluster.local/ns/mesh/sa/web-a;Hash=[0-9a-f]+;Subject=\"[^\"]*\";"
              + "URI=spiffe://cluster.local/ns/mesh/sa/web-b");
      String entries = admin(lan, "/apis/networking.istio.io/v1/namespaces/mesh/workloadentries");
      assertThat(entries).as("b registered through gw1, on its own network")
          .containsPattern("\"address\" *: *\"" + B + "\"").containsPattern("\"network\" *: *\"net2\"");

      String gw1 = lan.namespace("gw1");
      assertThat(stat(lan, gw1, "listener.0.0.0.0_15443.downstream_cx_total")).isPositive();
      String gw1Config = lan.exec(gw1, "curl", "-s", "http://127.0.0.1:15000/config_dump").out();
      assertThat(gw1Config).as("the gateway never terminates or originates TLS").contains("0.0.0.0_15443")
          .doesNotContain("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.");
      assertThat(lan.exec(gw1, "curl", "-s", "http://127.0.0.1:15000/stats?filter=ssl.handshake").out().strip())
          .as("no handshake on the gateway").matches("(?s)(.*: 0\\s*)*");

      String fromA = awaitServed(lan, a, "web-b");
      assertThat(fromA).containsPattern("URI=spiffe://cluster.local/ns/mesh/sa/web-a");
      assertThat(stat(lan, lan.namespace("gw2"), "listener.0.0.0.0_15443.downstream_cx_total")).isPositive();

      // gw1 stopped: b keeps its names and its entry (grace period); back: traffic resumes, no new onboarding
      stopGateway(lan, "gw1");
      assertThat(lan.asNobody(b, "getent", "hosts", "web-a.mesh.svc.cluster.local").exit()).isZero();
      assertThat(lan.asNobody(b, "curl", "-sS", "-m", "5", "http://web-a.mesh.svc.cluster.local/").out())
          .as("nothing reaches a while gw1 is down").doesNotStartWith("peer=");
      assertThat(admin(lan, "/apis/networking.istio.io/v1/namespaces/mesh/workloadentries"))
          .containsPattern("\"address\" *: *\"" + B + "\"");
      startGateway(lan, "gw1", GW1, "net1");
      awaitServed(lan, b, "web-a");

      secondReplicaSharesTrafficAndLeavesWithoutErrors(lan, b);
    }
  }

  /**
   * gw1b, a second gateway of network 1, registers; b's requests to a spread over gw1 and gw1b, as each one's Envoy
   * counts; gw1b stopped gracefully (SIGTERM) reports itself unhealthy before its Envoy closes, so at most the one
   * request in flight fails while it goes, and once b's Envoy has only gw1 left every request succeeds.
   */
  private void secondReplicaSharesTrafficAndLeavesWithoutErrors(Lan lan, String b) throws Exception {
    gatewayMachine(lan, "gw1b", "net1", GW1B_PRIVATE, GW1B);
    onboard(lan, "eastwest-net1", "istio-system", GW1B, List.of("--discovery-address", SERVER + ":15012"), "gw1b");
    startGateway(lan, "gw1b", GW1B, "net1");
    String gw1 = lan.namespace("gw1");
    String gw1b = lan.namespace("gw1b");
    String toA = "cluster.outbound_.80_._.web-a.mesh.svc.cluster.local.upstream_cx_rx_bytes_total";
    List<String> failed = new ArrayList<>();
    // gw1b joins: b's requests (all answered) start to cross it; from then on they cross both
    requestUntil(lan, b, failed, "gw1b carried none of b's requests", () -> stat(lan, gw1b, toA) > 0);
    long gw1From = stat(lan, gw1, toA);
    long gw1bFrom = stat(lan, gw1b, toA);
    requestUntil(lan, b, failed, "b's requests did not spread over gw1 and gw1b",
        () -> stat(lan, gw1, toA) > gw1From && stat(lan, gw1b, toA) > gw1bFrom);
    assertThat(stat(lan, gw1b, "listener.0.0.0.0_15443.downstream_cx_total")).as("connections through gw1b")
        .isPositive();
    assertThat(failed).as("failed requests while gw1b joined").isEmpty();

    // graceful stop: withdraw (unhealthy), drain, then Envoy closes
    Process stopping = gateways.remove("gw1b");
    stopping.destroy();
    List<String> failedWhileStopping = new ArrayList<>();
    requestUntil(lan, b, failedWhileStopping, "gw1b did not stop", () -> !stopping.isAlive());
    assertThat(stopping.exitValue()).as("gw1b's exit after SIGTERM" + lan.log("gw1b")).isIn(0, 143);
    assertThat(lan.log("gw1b")).contains("event=withdrawn");
    assertThat(failedWhileStopping).as("failed requests while gw1b stopped (at most the one in flight)")
        .hasSizeLessThanOrEqualTo(1);
    await().atMost(Duration.ofSeconds(30)).until(() -> !lan.exec(b, "curl", "-s",
        "http://127.0.0.1:15000/clusters?filter=web-a").out().contains(GW1B + ":15443"));
    for (int i = 0; i < 20; i++) {
      assertThat(request(lan, b)).as("request %d after gw1b left", i).startsWith("peer=");
    }
  }

  /** Sends b's requests to a (failures into {@code failed}) until {@code done}, for two minutes at most. */
  private static void requestUntil(Lan lan, String b, List<String> failed, String otherwise, Callable<Boolean> done) {
    int[] sent = {0};
    try {
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() -> {
        String out = request(lan, b);
        sent[0]++;
        if (!out.startsWith("peer=")) {
          failed.add(out);
        }
        return done.call();
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(otherwise + " after " + sent[0] + " requests" + diagnostics(lan), e);
    }
  }

  private static String request(Lan lan, String ns) throws Exception {
    return lan.asNobody(ns, "curl", "-sS", "-m", "5", "http://web-a.mesh.svc.cluster.local/").out();
  }

  /** Waits until curl as nobody on {@code ns} gets an answer from {@code service}'s app, and returns it. */
  private static String awaitServed(Lan lan, String ns, String service) {
    String[] last = {""};
    try {
      await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1)).until(() -> {
        last[0] = lan.asNobody(ns, "curl", "-sS", "-m", "5", "http://" + service + ".mesh.svc.cluster.local/").out();
        return last[0].startsWith("peer=");
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("curl " + service + ": " + last[0] + diagnostics(lan), e);
    }
    return last[0];
  }

  private String admin(Lan lan, String path) throws Exception {
    String token = Files.readString(tmp.resolve("data/admin-token")).strip();
    return lan.exec(lan.namespace("server"), "curl", "-s", "-H", "Authorization: Bearer " + token,
        "http://127.0.0.1:15014" + path).out();
  }

  private static String diagnostics(Lan lan) {
    StringBuilder out = new StringBuilder();
    try {
      for (String vm : List.of("a", "b", "gw1", "gw2", "gw1b")) {
        String ns = lan.namespace(vm);
        if (ns == null) {
          continue;
        }
        out.append("\n=== ").append(vm).append(" envoy stats\n").append(lan.exec(ns, "curl", "-s",
            "http://127.0.0.1:15000/stats?filter=update_(rejected|success)|ssl.handshake|cx_connect_fail|"
                + "downstream_cx_total|no_filter_chain_match").out())
            .append("\n=== ").append(vm).append(" clusters\n")
            .append(lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/clusters?filter=web").out())
            .append(lan.log(vm));
      }
      out.append(lan.log("server"));
    } catch (Exception e) {
      out.append(e);
    }
    return out.toString();
  }

  /** Envoy's counter {@code name} in {@code ns} (-1 when it has none). */
  private static long stat(Lan lan, String ns, String name) throws Exception {
    for (String line : lan.exec(ns, "curl", "-s", "http://127.0.0.1:15000/stats?filter=" + name).out().split("\n")) {
      if (line.startsWith(name + ": ")) {
        return Long.parseLong(line.substring(name.length() + 2).strip());
      }
    }
    return -1;
  }

  private final Map<String, Process> gateways = new HashMap<>();
  private Path envoy;
  private Path data;

  private Lan setUp() throws Exception {
    Commands.assumeRootWith("ip", "curl", "setpriv", "iptables");
    envoy = EnvoyBinary.find(System.getenv()).path();
    assertThat(VmeshProcess.JAR).as("the fat jar (./mvnw package builds dist before e2e)").exists();
    Lan lan = new Lan(tmp);
    try {
      lan.bridge("net1");
      lan.bridge("net2");
      lan.bridge("pub");
      String server = lan.machine("server", "net1", SERVER, GW1_PRIVATE, RESOLV);
      String a = lan.machine("a", "net1", A, GW1_PRIVATE, RESOLV);
      gatewayMachine(lan, "gw1", "net1", GW1_PRIVATE, GW1);
      lan.machine("b", "net2", B, GW2_PRIVATE, RESOLV);
      gatewayMachine(lan, "gw2", "net2", GW2_PRIVATE, GW2);
      Path config = Files.createDirectories(tmp.resolve("config"));
      Files.writeString(config.resolve("mesh.yaml"), MESH);
      Files.copy(Path.of("../api/src/test/resources/istio/expose-services.yaml"), config.resolve("expose-services.yaml"));
      Files.copy(Path.of("../api/src/test/resources/istio/expose-istiod.yaml"), config.resolve("expose-istiod.yaml"));
      data = tmp.resolve("data");
      lan.background(server, "server", java("server", "--data-dir", data.toString(), "--config", config.toString(),
          "--http-address", "0.0.0.0:15014", "--xds-address", "0.0.0.0:15012", "--workload-grace-period", "5m",
          "--server-name", "istiod.istio-system.svc,vmesh-server,localhost,127.0.0.1," + SERVER));
      await().atMost(Duration.ofSeconds(90)).until(() -> Files.exists(data.resolve("admin-token")));
      lan.background(a, "app-a", List.of("python3", "-c", MeshTrafficCrossesBothEnvoysWithMutualTlsTest.HEADERS_APP,
          "8080"));
      lan.background(lan.namespace("b"), "app-b", List.of("python3", "-c",
          MeshTrafficCrossesBothEnvoysWithMutualTlsTest.HEADERS_APP, "8080"));
      onboard(lan, "eastwest-net1", "istio-system", GW1, List.of("--discovery-address", SERVER + ":15012"), "gw1");
      startGateway(lan, "gw1", GW1, "net1");
      onboard(lan, "web-a", "mesh", A, List.of("--discovery-address", SERVER + ":15012"), "a");
      startVm(lan, "a");
      // network 2 reaches the server only through gw1: the server's name maps to gw1 in the VM's hosts file
      onboard(lan, "eastwest-net2", "istio-system", GW2, List.of("--ingress-ip", GW1), "gw2");
      startGateway(lan, "gw2", GW2, "net2");
      onboard(lan, "web-b", "mesh", B, List.of("--ingress-ip", GW1), "b");
      startVm(lan, "b");
      return lan;
    } catch (Exception | AssertionError e) {
      lan.close();
      throw e;
    }
  }

  /** A gateway machine: {@code privateIp} on {@code network}'s bridge, {@code publicIp} on the public segment. */
  private static void gatewayMachine(Lan lan, String name, String network, String privateIp, String publicIp)
      throws Exception {
    String ns = lan.machine(name, network, privateIp, null, RESOLV);
    lan.attach(name, "pub", "pub0", publicIp);
    // the gateway's network goes out to the public segment under the gateway's address, and only there
    Commands.must("ip", "-n", ns, "route", "replace", "default", "dev", "pub0");
    Commands.must("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1");
    Commands.must("ip", "netns", "exec", ns, "iptables", "-t", "nat", "-A", "POSTROUTING", "-o", "pub0", "-j",
        "MASQUERADE");
  }

  /** Onboarding files for machine {@code name} in {@code tmp/etc-NAME}; the hosts file goes to its netns. */
  private void onboard(Lan lan, String group, String namespace, String ip, List<String> flags, String name)
      throws Exception {
    Path etc = tmp.resolve("etc-" + name);
    List<String> cmd = new ArrayList<>(List.of("workload", "entry", "configure", "--name", group, "-n", namespace, "-o",
        etc.toString(), "--autoregister", "--internal-ip", ip, "--token-file", data.resolve("admin-token").toString()));
    cmd.addAll(flags);
    await().atMost(Duration.ofSeconds(60)).until(() -> lan.exec(lan.namespace("server"), java(cmd.toArray(
        String[]::new)).toArray(String[]::new)).exit() == 0);
    String hosts = Files.readString(etc.resolve("hosts"));
    Files.writeString(Path.of("/etc/netns", lan.namespace(name), "hosts"), "127.0.0.1 localhost\n" + hosts);
    Files.writeString(etc.resolve("cluster.env"), "ISTIO_SERVICE_CIDR='*'\nISTIO_INBOUND_PORTS='*'\n",
        StandardOpenOption.APPEND);
  }

  private void startVm(Lan lan, String name) throws Exception {
    lan.background(lan.namespace(name), name, java("agent", "--config-dir", tmp.resolve("etc-" + name).toString(),
        "--state-dir", Files.createDirectories(tmp.resolve("state-" + name)).toString(), "--run-dir",
        Files.createDirectories(tmp.resolve("run-" + name)).toString(), "--envoy", envoy.toString(),
        "--capture", "iptables", "--status-address", "127.0.0.1:15020", "--readiness-address", "127.0.0.1:15021"));
  }

  private void startGateway(Lan lan, String name, String ip, String network) throws Exception {
    gateways.put(name, lan.background(lan.namespace(name), name, java("gateway", "--config-dir",
        tmp.resolve("etc-" + name).toString(), "--state-dir",
        Files.createDirectories(tmp.resolve("state-" + name)).toString(), "--run-dir",
        Files.createDirectories(tmp.resolve("run-" + name)).toString(), "--envoy", envoy.toString(), "--network",
        network, "--status-address", "127.0.0.1:15020", "--readiness-address", ip + ":15021", "--drain", "3s")));
  }

  private void stopGateway(Lan lan, String name) throws Exception {
    Process p = gateways.remove(name);
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> lan.exec(lan.namespace(name), "curl", "-s", "-m", "1",
        "http://127.0.0.1:15000/ready").exit() != 0);
  }

  private static List<String> java(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx160m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-jar",
        VmeshProcess.JAR.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }
}
