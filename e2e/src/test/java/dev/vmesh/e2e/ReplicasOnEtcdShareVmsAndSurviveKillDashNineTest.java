package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.store.etcd.EtcdServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code vmesh server} replicas on one real etcd and two real agents: agent a lists all three
 * addresses and starts on replica 0; agent b knows one name, {@code vmesh-replicas}, whose two
 * addresses (a hosts file given to its JVM) are replicas 1 and 2, and starts on replica 1. Both VMs are
 * visible on every replica. After {@code kill -9} of replica 0, then of replica 1, the agents move on
 * and keep their WorkloadEntries (same uid, never deleted); replica 0 restarts and catches up; when the
 * agents stop, their entries go after the grace period and none is left.
 */
class ReplicasOnEtcdShareVmsAndSurviveKillDashNineTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String WES = "/apis/networking.istio.io/v1/namespaces/vm/workloadentries";

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @TempDir
  Path tmp;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<AutoCloseable> running = new ArrayList<>();
  private final int[] httpPorts = new int[3];
  /** Replica 0 on 127.0.0.1:xds0; replicas 1 and 2 on 127.0.0.4 and 127.0.0.5, one port, one name. */
  private final String[] xdsAddresses = new String[3];
  private final VmeshProcess[] replicas = new VmeshProcess[3];
  private String token;

  @AfterEach
  void stop() throws Exception {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    http.close();
  }

  private VmeshProcess startReplica(int i) throws Exception {
    VmeshProcess s = new VmeshProcess("replica-" + i, tmp, "server", "--store", "etcd://127.0.0.1:" + etcd.clientPort(),
        "--etcd-prefix", "/replicas/", "--secrets-key-file", WebVms.secretsKey(tmp).toString(),
        "--replica-name", "replica-" + i, "--data-dir", tmp.resolve("data-" + i).toString(),
        "--http-address", "127.0.0.1:" + httpPorts[i], "--xds-address", xdsAddresses[i],
        "--server-name", "vmesh-replicas,127.0.0.1,127.0.0.4,127.0.0.5", "--workload-grace-period", "2s").start();
    running.add(s);
    replicas[i] = s;
    await().atMost(WAIT).untilAsserted(() -> assertThat(get(i, "/ready").statusCode()).as(s.output()).isEqualTo(200));
    return s;
  }

  private HttpResponse<String> get(int replica, String path) throws Exception {
    return AdminCalls.getOr599(http, httpPorts[replica], token, path);
  }

  private Cli cli(int replica, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--server", "http://127.0.0.1:" + httpPorts[replica], "--token", token));
    return Cli.run(all.toArray(String[]::new));
  }

  /** name → uid of the WorkloadEntries in namespace vm, and who controls each, as replica {@code r} reads them. */
  private Map<String, Resource> entries(int r) throws Exception {
    Map<String, Resource> out = new TreeMap<>();
    var body = get(r, WES).body();
    for (Resource we : ResourceDecoder.decode("wes.json", body).resources()) {
      out.put(we.name(), we);
    }
    return out;
  }

  /** Both entries are there with the uids they had in {@code before}, as replica {@code r} reads them. */
  private boolean sameEntries(int r, Map<String, Resource> before) throws Exception {
    Map<String, Resource> now = entries(r);
    return now.size() == 2 && now.get("web-127.0.0.2") != null && now.get("web-127.0.0.3") != null
        && now.get("web-127.0.0.2").metadata().uid().equals(before.get("web-127.0.0.2").metadata().uid())
        && now.get("web-127.0.0.3").metadata().uid().equals(before.get("web-127.0.0.3").metadata().uid());
  }

  private static String controller(Resource we) {
    return we.metadata().annotations().getOrDefault(WellKnown.WORKLOAD_CONTROLLER, "");
  }

  /** Onboards a VM at {@code ip} (through replica 2) whose agent tries {@code discovery}. */
  private VmeshProcess agent(String vm, String ip, String discovery, String... jvmOptions) throws Exception {
    VmeshProcess a = WebVms.agent(tmp, vm, ip, discovery, "http://127.0.0.1:" + httpPorts[2], token, jvmOptions);
    running.add(a);
    return a;
  }

  @Test
  void vmsMoveToAnotherReplicaWhenTheirsIsKilledAndNothingIsLostOrLeaked() throws Exception {
    WebVms.secretsKey(tmp);
    int shared = VmeshProcess.freePort();
    xdsAddresses[0] = "127.0.0.1:" + VmeshProcess.freePort();
    xdsAddresses[1] = "127.0.0.4:" + shared;
    xdsAddresses[2] = "127.0.0.5:" + shared;
    for (int i = 0; i < 3; i++) {
      httpPorts[i] = VmeshProcess.freePort();
    }
    Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.4 vmesh-replicas\n127.0.0.5 vmesh-replicas\n");
    startReplica(0);
    token = Files.readString(tmp.resolve("data-0/admin-token")).trim();
    startReplica(1);
    startReplica(2);
    for (int i = 1; i < 3; i++) { // one admin token for all replicas, kept in etcd
      assertThat(Files.readString(tmp.resolve("data-" + i + "/admin-token")).trim()).isEqualTo(token);
    }
    Path mesh = Files.writeString(tmp.resolve("mesh.yaml"), WebVms.MESH);
    Cli apply = cli(2, "apply", "-f", mesh.toString());
    assertThat(apply.exit()).as(apply.err()).isZero();

    // Onboarding files come from replica 2; the agents' tokens work on every replica.
    VmeshProcess a = agent("a", "127.0.0.2", String.join(",", xdsAddresses));
    VmeshProcess b = agent("b", "127.0.0.3", "vmesh-replicas:" + shared, "-Djdk.net.hosts.file=" + hosts);
    await().atMost(WAIT).untilAsserted(() -> {
      Map<String, Resource> wes = entries(2);
      assertThat(wes).as(a.output() + b.output()).containsKeys("web-127.0.0.2", "web-127.0.0.3");
      assertThat(controller(wes.get("web-127.0.0.2"))).isEqualTo("replica-0");
      assertThat(controller(wes.get("web-127.0.0.3"))).isEqualTo("replica-1");
      for (int r = 0; r < 3; r++) { // a VM connected to one replica is an endpoint on every replica
        assertThat(get(r, "/debug/registryz").body()).contains("127.0.0.2", "127.0.0.3");
      }
    });
    Map<String, Resource> before = entries(1);

    // kill -9 replica 0: agent a moves on, its entry is taken over, not deleted.
    replicas[0].kill();
    await().atMost(WAIT).untilAsserted(() -> {
      Resource we = entries(1).get("web-127.0.0.2");
      assertThat(we).as(a.output()).isNotNull();
      assertThat(controller(we)).isIn("replica-1", "replica-2");
      assertThat(we.metadata().annotations()).containsKey(WellKnown.CONNECTED_AT);
    });
    // ... and both entries stay, with their identity, well past the grace period.
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(20)).until(() -> sameEntries(2, before));

    // kill -9 replica 1: agent b moves to the name's other address, replica 2 (and a too, if it was on 1).
    replicas[1].kill();
    await().atMost(WAIT).untilAsserted(() -> {
      Map<String, Resource> wes = entries(2);
      assertThat(controller(wes.get("web-127.0.0.3"))).as(b.output()).isEqualTo("replica-2");
      assertThat(controller(wes.get("web-127.0.0.2"))).as(a.output()).isEqualTo("replica-2");
    });
    await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(20)).until(() -> sameEntries(2, before));

    // The killed replica comes back and catches up from etcd.
    startReplica(0);
    await().atMost(WAIT).untilAsserted(() -> assertThat(get(0, "/debug/registryz").body())
        .contains("127.0.0.2", "127.0.0.3"));

    // The VMs go away: their entries are removed after the grace period, and nothing is left.
    a.stop();
    b.stop();
    await().atMost(WAIT).untilAsserted(() -> assertThat(entries(0)).isEmpty());
    await().atMost(WAIT).untilAsserted(() -> {
      for (int r : new int[] {0, 2}) {
        assertThat(get(r, "/debug/registryz").body()).doesNotContain("127.0.0.2").doesNotContain("127.0.0.3");
      }
    });
  }
}
