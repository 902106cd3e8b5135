package dev.vmesh.e2e;

import static dev.vmesh.e2e.ProxylessGrpcClientFollowsTheRegistryTest.key;
import static dev.vmesh.e2e.ProxylessGrpcClientFollowsTheRegistryTest.vm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.store.Preconditions;
import dev.vmesh.xds.SyncStatus;
import io.grpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Python (grpcio, gRPC C-core) and Node.js (grpc-js) xDS clients against vmesh, calling
 * {@code xds:///svc1.internal.com:80} through grpc-java backends on 127.0.0.2 and 127.0.0.3. The mesh
 * holds what used to make both clients reject the endpoints (and so freeze or fail every call): two
 * WorkloadEntries with one address and port, and two ServiceEntries of the host selecting them. Calls
 * spread over both backends, follow deletions and additions, and the server records no NACK.
 */
class GrpcioAndGrpcJsClientsFollowTheRegistryTest {
  @TempDir
  Path tmp;

  /**
   * An xDS bootstrap for a proxyless client in namespace ns1 (plaintext xDS on loopback). grpc-js wants
   * a locality in the node, even an empty one.
   */
  static Path bootstrap(Path dir, VmeshServer server, String name, String extra) throws Exception {
    Path file = dir.resolve(name + "-bootstrap.json");
    Files.writeString(file, """
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                          "server_features": ["xds_v3"]}],
         "node": {"id": "sidecar~127.0.0.1~%s.ns1~ns1.svc.cluster.local", "locality": {},
                  "metadata": {"NAMESPACE": "ns1", "GENERATOR": "grpc"}}%s}
        """.formatted(server.xdsPort(0), name, extra));
    return file;
  }

  /** Both ServiceEntries of svc1.internal.com select app: foo. */
  static Path config(Path dir) throws Exception {
    Path config = Files.createDirectories(dir.resolve("config"));
    for (String name : new String[] {"svc1", "svc1-again"}) {
      Files.writeString(config.resolve(name + ".yaml"), """
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: %s, namespace: ns1}
          spec:
            hosts: [svc1.internal.com]
            location: MESH_INTERNAL
            ports: [{number: 80, name: grpc, protocol: GRPC}]
            resolution: STATIC
            workloadSelector: {labels: {app: foo}}
          """.formatted(name));
    }
    return config;
  }

  /** Every stream {@code which} selects has acknowledged everything it was sent, and rejected nothing. */
  static void assertInSyncWithoutNacks(VmeshServer server, Predicate<SyncStatus> which) {
    var streams = server.xds().syncStatus().stream().filter(which).toList();
    assertThat(streams).isNotEmpty();
    for (SyncStatus s : streams) {
      s.types().forEach((type, t) -> {
        assertThat(t.nacks()).as(type + " NACKs of " + s.connectionId() + ": " + t.lastNack()).isZero();
        assertThat(t.versionAcked()).as(type + " acknowledged by " + s.connectionId()).isEqualTo(t.versionSent());
      });
    }
  }

  /** Rounds of 30 calls until one has no failure and exactly {@code expected} answered. */
  static void awaitAnswers(XdsClientProgram client, Set<String> expected, Duration atMost) {
    await().atMost(atMost).untilAsserted(() -> {
      var r = client.round(30);
      assertThat(r.failed()).as("failed calls (first: " + r.firstError() + "); client log:\n" + client.log()).isZero();
      assertThat(r.answers().keySet()).isEqualTo(expected);
    });
  }

  @ParameterizedTest
  @EnumSource(XdsClientProgram.Kind.class)
  void callsSpreadFollowTheRegistryAndSurviveDuplicates(XdsClientProgram.Kind kind) throws Exception {
    XdsClientProgram.install(kind);
    Server a = Backends.start("A", "127.0.0.2");
    Server b = Backends.start("B", "127.0.0.3");
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), config(tmp)),
        Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      server.store().create(vm("vm1", "127.0.0.2", Backends.port(a)));
      server.store().create(vm("vm1-copy", "127.0.0.2", Backends.port(a)));
      server.store().create(vm("vm2", "127.0.0.3", Backends.port(b)));

      Path bootstrap = bootstrap(tmp, server, "client", "");
      try (XdsClientProgram client = XdsClientProgram.start(kind, "xds:///svc1.internal.com:80", bootstrap, false,
          tmp)) {
        // a new client, with the duplicates already there: calls spread over both backends
        awaitAnswers(client, Set.of("A", "B"), Duration.ofSeconds(60));

        // a running client follows a removal...
        server.store().delete(key("vm2"), Preconditions.NONE);
        awaitAnswers(client, Set.of("A"), Duration.ofSeconds(30));

        // ...the copy keeps serving the address when the entry that served it goes...
        server.store().delete(key("vm1"), Preconditions.NONE);
        await().atMost(Duration.ofSeconds(30)).until(() -> server.registry().services().stream()
            .allMatch(s -> s.endpoints().stream().allMatch(e -> e.workloadEntry().equals("ns1/vm1-copy"))));
        var afterDelete = client.round(30);
        assertThat(afterDelete.failed()).as(afterDelete.firstError()).isZero();
        assertThat(afterDelete.answers()).containsOnlyKeys("A");

        // ...and an addition
        server.store().create(vm("vm2", "127.0.0.3", Backends.port(b)));
        awaitAnswers(client, Set.of("A", "B"), Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertInSyncWithoutNacks(server,
            s -> s.proxy().id().contains("~client.ns1~")));
      }
    } finally {
      a.shutdownNow();
      b.shutdownNow();
    }
  }
}
