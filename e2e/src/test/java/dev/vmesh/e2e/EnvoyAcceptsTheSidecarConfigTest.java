package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Envoy 1.40, run by a real agent against a real server, loads every sidecar resource vmesh
 * generates: listeners (virtualOutbound, virtualInbound with its mTLS chains, per-port outbound), clusters
 * (outbound with per-endpoint mTLS, inbound, passthrough, blackhole), routes and endpoints. Checked in
 * Envoy's own admin API: no update rejected for any type, nothing left warming (so the SDS secrets the
 * TLS contexts name arrived), and /config_dump holds what the mesh says. For examples/mesh and for a
 * generated mesh of 1,000 services.
 */
class EnvoyAcceptsTheSidecarConfigTest {
  @TempDir
  Path tmp;

  @Test
  void theExampleMeshIsLoadedWithoutARejection() throws Exception {
    loadsTheExampleMesh(1);
  }

  @Test
  void theExampleMeshIsLoadedOverStateOfTheWorldToo() throws Exception {
    loadsTheExampleMesh(0, "--no-envoy-delta");
  }

  /**
   * Envoy loads the whole example mesh; the server counts {@code deltaStreams} delta streams (Envoy's, when it
   * asks for delta: the agent's own stream is state of the world either way).
   */
  private void loadsTheExampleMesh(int deltaStreams, String... agentFlags) throws Exception {
    EnvoyUnderTest.assumeRunnable();
    Path config = Files.createDirectories(tmp.resolve("config"));
    try (var files = Files.list(Path.of("../examples/mesh"))) {
      for (Path f : files.toList()) {
        Files.copy(f, config.resolve(f.getFileName()));
      }
    }
    try (EnvoyUnderTest vm = new EnvoyUnderTest(tmp, "10.77.0.2").agentFlags(agentFlags)) {
      vm.start(config, "python-http", "vm");
      // the WorkloadGroup's probe reads port 9090: an app there makes the VM a healthy endpoint
      vm.background("app", "python3", "-m", "http.server", "9090", "--bind", vm.ip);
      awaitLoaded(vm, "outbound|80||vmservice.example.com", "\"address\": \"10.77.0.2\"",
          "\"name\": \"virtualOutbound\"", "\"name\": \"virtualInbound\"",
          "\"name\": \"0.0.0.0_80\"", "outbound|80||svc1.internal.com", "outbound|80||auto.internal",
          "\"name\": \"BlackHoleCluster\"", "\"name\": \"PassthroughCluster\"", "\"name\": \"InboundPassthroughCluster\"",
          "\"name\": \"inbound|9090||\"", "outbound_.80_._.vmservice.example.com", "spiffe://cluster.local/ns/vm/sa/my-vm",
          "\"tlsMode\": \"istio\"", "\"address\": \"1.1.1.1\"", "vmservice.example.com:80");
      assertAccepted(vm, 1);
      // and the server agrees: Envoy's stream ACKed the last version of every type it holds, NACKed none
      String token = Files.readString(tmp.resolve("data/admin-token")).strip();
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        Commands.Result status = vm.vmesh("proxy-status", "--server", "http://127.0.0.1:15014", "--token",
            token);
        assertThat(status.out()).doesNotContain("NACKED", "STALE").containsPattern("(?m)^.*(SYNCED.*){4}$");
      });
      assertThat(serverMetric(vm, "vmesh_xds_connected_proxies{protocol=\"delta\"}"))
          .as("delta streams").isEqualTo(deltaStreams);
    }
  }

  @Test
  void aMeshOfAThousandServicesIsLoadedWithoutARejection() throws Exception {
    EnvoyUnderTest.assumeRunnable();
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.copy(Path.of("../examples/mesh/python-http.yaml"), config.resolve("python-http.yaml"));
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      yaml.append(String.format("""
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: svc-%1$d, namespace: big}
          spec:
            hosts: [svc-%1$d.big.svc.cluster.local]
            addresses: [10.100.%2$d.%3$d]
            location: MESH_INTERNAL
            ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}, {number: %4$d, name: tcp, protocol: TCP}]
            resolution: STATIC
            endpoints: [{address: 10.200.%2$d.%3$d, serviceAccount: sa-%5$d}]
          ---
          """, i, i / 250, i % 250 + 1, 5000 + i % 20, i % 10));
    }
    Files.writeString(config.resolve("big.yaml"), yaml);
    try (EnvoyUnderTest vm = new EnvoyUnderTest(tmp, "10.77.0.3")) {
      vm.start(config, "python-http", "vm");
      // the dump of 2,000 clusters is megabytes: wait on Envoy's counters, then read it once
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        Map<String, Long> stats = stats(vm, "cluster_manager.active_clusters|listener_manager.total_listeners_active");
        assertThat(stats.getOrDefault("cluster_manager.active_clusters", 0L)).as(() -> "2,000 outbound clusters, "
            + "the passthrough, blackhole and inbound ones; " + context(vm)).isGreaterThanOrEqualTo(2000 + 4);
        assertThat(stats.getOrDefault("listener_manager.total_listeners_active", 0L)).as("1,000 TCP, 0.0.0.0_80, "
            + "virtualOutbound, virtualInbound").isGreaterThanOrEqualTo(1000 + 3);
      });
      awaitLoaded(vm, "outbound|5019||svc-999.big.svc.cluster.local", "\"address\": \"10.200.3.250\"",
          "\"name\": \"10.100.3.250_5019\"", "svc-999.big.svc.cluster.local:80",
          "outbound_.80_._.svc-0.big.svc.cluster.local", "spiffe://cluster.local/ns/big/sa/sa-9");
      assertAccepted(vm, 1);

      // a new TCP service is one listener, one cluster and its endpoints: over delta xDS (the agent's
      // default) the server sends those, not the 1,000 listeners of the state of the world again
      long ldsBefore = serverMetric(vm, "vmesh_xds_push_bytes_total{type=\"lds\"}");
      long cdsBefore = serverMetric(vm, "vmesh_xds_push_bytes_total{type=\"cds\"}");
      Files.writeString(config.resolve("one-more.yaml"), """
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: one-more, namespace: big}
          spec:
            hosts: [one-more.big.svc.cluster.local]
            addresses: [10.101.0.1]
            location: MESH_INTERNAL
            ports: [{number: 7000, name: tcp, protocol: TCP}]
            resolution: STATIC
            endpoints: [{address: 10.201.0.1, serviceAccount: sa-1}]
          """);
      awaitLoaded(vm, "\"name\": \"10.101.0.1_7000\"", "outbound|7000||one-more.big.svc.cluster.local",
          "\"address\": \"10.201.0.1\"");
      assertThat(serverMetric(vm, "vmesh_xds_push_bytes_total{type=\"lds\"}") - ldsBefore)
          .as("listener bytes sent for one new service").isPositive().isLessThan(10_000);
      assertThat(serverMetric(vm, "vmesh_xds_push_bytes_total{type=\"cds\"}") - cdsBefore)
          .as("cluster bytes sent for one new service").isPositive().isLessThan(10_000);
      assertAccepted(vm, 2);
    }
  }

  /** The value of one series on the server's metrics page (0 when absent). */
  private static long serverMetric(EnvoyUnderTest vm, String series) throws Exception {
    String page = vm.curl("127.0.0.1:15014/metrics").body();
    return page.lines().filter(l -> l.startsWith(series + " ")).findFirst()
        .map(l -> (long) Double.parseDouble(l.substring(series.length() + 1).strip())).orElse(0L);
  }

  /** Waits for the config dump (endpoints included) to hold {@code expected}. */
  static void awaitLoaded(EnvoyUnderTest vm, String... expected) {
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      String dump = vm.admin("/config_dump?include_eds");
      for (String e : expected) {
        assertThat(dump.contains(e)).as(() -> "config_dump holds " + e + "; " + context(vm)).isTrue();
      }
    });
  }

  /** Envoy's update counters and the agent's log, for failure messages. */
  private static String context(EnvoyUnderTest vm) {
    try {
      return vm.admin("/stats?filter=update_(rejected|success)|warming|listener_create") + vm.log("agent");
    } catch (Exception e) {
      return e.toString();
    }
  }

  /** Every type was accepted at least {@code minUpdates} times and never rejected; nothing is warming. */
  private static void assertAccepted(EnvoyUnderTest vm, int minUpdates) throws Exception {
    Map<String, Long> rejected = stats(vm, "update_rejected");
    String context = context(vm);
    assertThat(rejected).as(context).isNotEmpty();
    rejected.forEach((k, v) -> assertThat(v).as(k + "\n" + context).isZero());
    Map<String, Long> ok = stats(vm, "update_success");
    assertThat(ok.get("cluster_manager.cds.update_success")).as(context).isGreaterThanOrEqualTo(minUpdates);
    assertThat(ok.get("listener_manager.lds.update_success")).as(context).isGreaterThanOrEqualTo(minUpdates);
    assertThat(ok.entrySet()).as("RDS " + context).anyMatch(e -> e.getKey().contains(".rds.") && e.getValue() > 0);
    Map<String, Long> warming = stats(vm, "warming_clusters|total_listeners_warming|listener_create_failure");
    assertThat(warming.values()).as(context).containsOnly(0L);
  }

  private static final Pattern STAT = Pattern.compile("(?m)^([^:\\s]+): (\\d+)$");

  static Map<String, Long> stats(EnvoyUnderTest vm, String filter) throws Exception {
    Map<String, Long> out = new LinkedHashMap<>();
    Matcher m = STAT.matcher(vm.admin("/stats?filter=" + filter));
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2)));
    }
    return out;
  }
}
