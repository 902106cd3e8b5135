package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.store.Preconditions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-java's own xDS client (xds:///svc1.internal.com:80) against vmesh server: real gRPC backends on
 * 127.0.0.2 and 127.0.0.3 are WorkloadEntries of a ServiceEntry; calls follow the registry as entries
 * are added, deleted, and marked unhealthy.
 */
class ProxylessGrpcClientFollowsTheRegistryTest {
  @TempDir
  static Path tmp;

  static VmeshServer server;
  static Server backendA;
  static Server backendB;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    backendA = Backends.start("A", "127.0.0.2");
    backendB = Backends.start("B", "127.0.0.3");
    Path config = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(config.resolve("svc1.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: svc1, namespace: ns1}
        spec:
          hosts: [svc1.internal.com]
          location: MESH_INTERNAL
          ports: [{number: 80, name: grpc, protocol: GRPC}]
          resolution: STATIC
          workloadSelector: {labels: {app: foo}}
        """);
    server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), config), Clock.systemUTC());
    assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
    server.store().create(vm("vm1", "127.0.0.2", Backends.port(backendA)));

    System.setProperty("io.grpc.xds.bootstrapConfig", """
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                          "server_features": ["xds_v3"]}],
         "node": {"id": "sidecar~127.0.0.1~client.ns1~ns1.svc.cluster.local",
                  "metadata": {"NAMESPACE": "ns1", "GENERATOR": "grpc"}}}
        """.formatted(server.xdsPort(0)));
    channel = Grpc.newChannelBuilder("xds:///svc1.internal.com:80", InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  static void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    backendA.shutdownNow();
    backendB.shutdownNow();
    System.clearProperty("io.grpc.xds.bootstrapConfig");
  }

  static Resource vm(String name, String ip, int port) {
    return Resource.of(ObjectMeta.of("ns1", name).withLabels(Map.of("app", "foo")),
        new WorkloadEntrySpec(ip, Map.of("grpc", port), Map.of(), "", "", 0, ""));
  }

  /** Who answered 30 calls in a row. */
  static Set<String> answers() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      seen.add(Backends.who(channel));
    }
    return seen;
  }

  static ResourceKey key(String name) {
    return new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", name);
  }

  @Test
  void callsFollowAddDeleteAndHealth() {
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> answers().equals(Set.of("A")));

    server.store().create(vm("vm2", "127.0.0.3", Backends.port(backendB)));
    await().atMost(Duration.ofSeconds(15)).until(() -> answers().equals(Set.of("A", "B")));

    server.store().delete(key("vm1"), Preconditions.NONE);
    await().atMost(Duration.ofSeconds(15)).until(() -> answers().equals(Set.of("B")));

    server.store().create(vm("vm1", "127.0.0.2", Backends.port(backendA)));
    await().atMost(Duration.ofSeconds(15)).until(() -> answers().equals(Set.of("A", "B")));

    // vm2 turns health-checked and reports unhealthy: it stops getting calls
    Resource vm2 = server.store().get(key("vm2")).orElseThrow();
    vm2 = server.store().update(vm2.withMetadata(vm2.metadata().withAnnotations(
        Map.of(WellKnown.HEALTH_CHECKS_ENABLED, "true"))));
    server.store().updateStatus(vm2.withStatus(ResourceStatus.EMPTY.withConditions(List.of(
        new Condition(Condition.HEALTHY, "False", null, null, "", "probe failed", 0)))));
    await().atMost(Duration.ofSeconds(15)).until(() -> answers().equals(Set.of("A")));

    assertThat(server.xds().syncStatus()).singleElement().satisfies(s -> {
      assertThat(s.proxy().proxyless()).isTrue();
      assertThat(s.types()).containsKeys("lds", "rds", "cds", "eds");
      assertThat(s.types().get("eds").nacks()).isZero();
    });
  }
}
