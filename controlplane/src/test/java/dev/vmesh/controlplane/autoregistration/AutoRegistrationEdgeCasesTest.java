package dev.vmesh.controlplane.autoregistration;

import static dev.vmesh.controlplane.autoregistration.Fixture.GROUP_A;
import static dev.vmesh.controlplane.autoregistration.Fixture.proxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.Preconditions;
import dev.vmesh.xds.Proxy;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The cases istiod's controller tests pin (spec 4.9), and the races between replicas. */
class AutoRegistrationEdgeCasesTest {
  static final String ENTRY = "wg-a-1.2.3.4-nw1";

  @Test
  void proxiesWithoutGroupIpOrNamespaceRegisterNothingAndDoNotFail() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("", "1.2.3.4", "nw1", "spiffe://cluster.local/ns/a/sa/sa-a"));
      f.connect(f.pilot1, proxy("wg-a", "", "nw1", "spiffe://cluster.local/ns/a/sa/sa-a"));
      var noNs = proxy("1.2.3.4", "nw1");
      f.connect(f.pilot1, new Proxy(noNs.id(), noNs.type(), noNs.ips(), "", noNs.labels(),
          noNs.network(), noNs.locality(), false, "wg-a", "", "", noNs.metadata(), noNs.identity()));
      assertThat(f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()).isEmpty();
    }
  }

  @Test
  void initialConnectCreatesTheEntryFromTheGroup() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      var we = f.entry(ENTRY).orElseThrow();
      var spec = we.spec(WorkloadEntrySpec.class);
      assertThat(spec.address()).isEqualTo("1.2.3.4");
      assertThat(spec.ports()).isEqualTo(Map.of("http", 80));
      assertThat(spec.weight()).isEqualTo(1);
      assertThat(spec.serviceAccount()).isEqualTo("sa-a");
      assertThat(spec.network()).isEqualTo("nw1");
      assertThat(spec.locality()).isEqualTo("reg1/zone1/subzone1");
      assertThat(spec.labels()).isEqualTo(Map.of("app", "a", "merge", "me"));
      assertThat(we.metadata().labels()).isEqualTo(spec.labels());
      assertThat(we.metadata().annotations()).containsEntry(WellKnown.WORKLOAD_CONTROLLER, "pilot-1")
          .containsEntry(WellKnown.AUTO_REGISTRATION_GROUP, "wg-a")
          .containsEntry(WellKnown.CONNECTED_AT, ResourceEncoder.time(f.time.instant()));
      assertThat(we.metadata().ownerReferences()).singleElement().satisfies(o -> {
        assertThat(o.kind()).isEqualTo("WorkloadGroup");
        assertThat(o.name()).isEqualTo("wg-a");
        assertThat(o.controller()).isTrue();
        assertThat(o.uid()).isNotEmpty();
      });
    }
  }

  @Test
  void sameIpOnAnotherNetworkThroughAnotherReplicaIsASeparateEntry() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      var first = f.entry(ENTRY).orElseThrow();
      f.connect(f.pilot2, proxy("1.2.3.4", "nw2"));
      assertThat(f.annotation("wg-a-1.2.3.4-nw2", WellKnown.WORKLOAD_CONTROLLER)).isEqualTo("pilot-2");
      assertThat(f.entry(ENTRY)).contains(first);
    }
  }

  @Test
  void ipv6AddressesMakeValidNames() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("fe80::1", ""));
      assertThat(f.entry("wg-a-fe80--1")).isPresent();
    }
  }

  @Test
  void reconnectWithinTheGracePeriodKeepsTheEntry() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c1 = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofSeconds(1));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c1);
      assertThat(f.annotation(ENTRY, WellKnown.DISCONNECTED_AT)).isNotNull();
      assertThat(f.annotation(ENTRY, WellKnown.CONNECTED_AT)).isNull();
      f.advance(Duration.ofSeconds(5));
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofSeconds(30)); // the grace check of the old disconnect finds it connected
      assertThat(f.annotation(ENTRY, WellKnown.WORKLOAD_CONTROLLER)).isEqualTo("pilot-1");
      assertThat(f.annotation(ENTRY, WellKnown.DISCONNECTED_AT)).isNull();
    }
  }

  @Test
  void aNewConnectionBeforeTheOldOnesDisconnectKeepsItConnected() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String old = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofMillis(10));
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), old);
      f.advance(Duration.ofMinutes(5));
      assertThat(f.annotation(ENTRY, WellKnown.CONNECTED_AT)).isNotNull();
      assertThat(f.annotation(ENTRY, WellKnown.DISCONNECTED_AT)).isNull();
    }
  }

  @Test
  void reconnectingToAnotherReplicaMovesControlAndTheOldReplicaLetsGo() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c1 = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofSeconds(1));
      f.connect(f.pilot2, proxy("1.2.3.4", "nw1")); // the VM moved before pilot-1 noticed
      f.advance(Duration.ofMillis(5));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c1); // pilot-1 must not mark pilot-2's entry
      f.advance(Duration.ofMinutes(10));
      assertThat(f.entry(ENTRY)).isPresent();
      assertThat(f.annotation(ENTRY, WellKnown.WORKLOAD_CONTROLLER)).isEqualTo("pilot-2");
      assertThat(f.annotation(ENTRY, WellKnown.DISCONNECTED_AT)).isNull();
    }
  }

  @Test
  void aLateDisconnectOfAnOlderConnectionIsIgnored() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String old = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      // the replica restarts under the same name and the VM reconnects to the new process
      var restarted = new AutoRegistrationController(f.store, AutoRegistrationOptions.defaults("pilot-1",
          "cluster.local"), f.time, f.time, rv -> { });
      f.advance(Duration.ofSeconds(1));
      f.connect(restarted, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofSeconds(1));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), old); // the old process notices its stream died
      assertThat(f.annotation(ENTRY, WellKnown.CONNECTED_AT)).isNotNull();
      assertThat(f.annotation(ENTRY, WellKnown.DISCONNECTED_AT)).isNull();
      restarted.close();
    }
  }

  @Test
  void aSweepBeforeTheGracePeriodEndsKeepsTheEntry() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c1 = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofSeconds(95));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c1);
      f.advance(Duration.ofSeconds(6)); // the sweep at 100 s comes 5 s after the disconnect
      assertThat(f.entry(ENTRY)).isPresent();
      f.advance(Duration.ofSeconds(5));
      assertThat(f.entry(ENTRY)).isEmpty();
    }
  }

  @Test
  void disconnectLongerThanTheGracePeriodDeletesAndReconnectRecreates() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c1 = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c1);
      f.advance(Duration.ofSeconds(9));
      assertThat(f.entry(ENTRY)).isPresent();
      f.advance(Duration.ofSeconds(2));
      assertThat(f.entry(ENTRY)).isEmpty();
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      assertThat(f.entry(ENTRY)).isPresent();
    }
  }

  @Test
  void whenTheReplicaDiesAfterTheDisconnectAnotherReplicasSweepDeletes() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c1 = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c1);
      f.pilot1.close(); // its grace-period check never runs
      f.advance(Duration.ofSeconds(99));
      assertThat(f.entry(ENTRY)).isPresent();
      f.advance(Duration.ofSeconds(101)); // two sweep intervals (10 x grace) at most
      assertThat(f.entry(ENTRY)).isEmpty();
    }
  }

  @Test
  void anEntryConnectedLongerThanOneAndAHalfMaxAgesIsALeakAndGoes() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.pilot1.close(); // the server and the VM died together: no disconnect is ever recorded
      f.advance(Duration.ofMinutes(44));
      assertThat(f.entry(ENTRY)).isPresent();
      f.advance(Duration.ofMinutes(3)); // past 45 min; the next sweep (every 100 s) removes it
      assertThat(f.entry(ENTRY)).isEmpty();
    }
  }

  @Test
  void maxConnectionAgeZeroMeansNoLeakGuard() {
    var options = new AutoRegistrationOptions(true, true, true, Duration.ofSeconds(10), Duration.ZERO, "pilot-1",
        "cluster.local", 20);
    try (Fixture f = new Fixture(options)) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.advance(Duration.ofDays(3));
      assertThat(f.entry(ENTRY)).isPresent();
    }
  }

  @Test
  void deletingAndRecreatingTheGroupWhileConnectedRecreatesTheEntry() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      var group = f.store.get(new ResourceKey(Kind.WORKLOAD_GROUP, "a", "wg-a")).orElseThrow();
      f.store.delete(group.key(), Preconditions.NONE);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.entry(ENTRY).isEmpty());
      f.apply(GROUP_A);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.entry(ENTRY).isPresent());
      assertThat(f.annotation(ENTRY, WellKnown.WORKLOAD_CONTROLLER)).isEqualTo("pilot-1");
    }
  }

  @Test
  void aMissingGroupKeepsTheProxyConnectedAndRegistersItWhenTheGroupAppears() {
    try (Fixture f = new Fixture()) {
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1")); // no error, unlike istiod's FailedPrecondition
      assertThat(f.entry(ENTRY)).isEmpty();
      f.apply(GROUP_A);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.entry(ENTRY).isPresent());
    }
  }

  @Test
  void identityMustMatchNamespaceAndServiceAccount() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      assertThatThrownBy(() -> f.connect(f.pilot1, proxy("wg-a", "1.2.3.4", "nw1", "")))
          .isInstanceOf(StatusRuntimeException.class).hasMessageContaining("PERMISSION_DENIED")
          .hasMessageContaining("no verified identity");
      assertThatThrownBy(() -> f.connect(f.pilot1, proxy("wg-a", "1.2.3.4", "nw1",
          "spiffe://cluster.local/ns/a/sa/sa-b"))).hasMessageContaining("not service account sa-a");
      assertThatThrownBy(() -> f.connect(f.pilot1, proxy("wg-a", "1.2.3.4", "nw1",
          "spiffe://cluster.local/ns/b/sa/sa-a"))).hasMessageContaining("not in namespace a");
      assertThat(f.entry(ENTRY)).isEmpty();
    }
  }

  @Test
  void aTemplateWithoutServiceAccountNeedsOnlyTheNamespace() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A.replace("serviceAccount: sa-a", "weight: 1").replace("weight: 1\n    weight: 1", "weight: 1"));
      f.connect(f.pilot1, proxy("wg-a", "1.2.3.4", "nw1", "spiffe://cluster.local/ns/a/sa/anything"));
      assertThat(f.entry(ENTRY)).isPresent();
    }
  }

  @Test
  void hboneProxiesGetTheTunnelLabelUnlessTheTemplateSetsOne() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      var p = proxy("1.2.3.4", "nw1");
      var hbone = new Proxy(p.id(), p.type(), p.ips(), p.namespace(), p.labels(), p.network(),
          p.locality(), false, p.autoRegisterGroup(), "", "", Struct.newBuilder().putFields(
              "ENABLE_HBONE", Value.newBuilder().setStringValue("true").build()).build(),
          p.identity());
      f.connect(f.pilot1, hbone);
      assertThat(f.entry(ENTRY).orElseThrow().spec(WorkloadEntrySpec.class).labels())
          .containsEntry("networking.istio.io/tunnel", "http");
      f.apply(GROUP_A.replace("labels: {app: a}", "labels: {app: a, networking.istio.io/tunnel: other}"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "other".equals(f.entry(ENTRY)
          .orElseThrow().spec(WorkloadEntrySpec.class).labels().get("networking.istio.io/tunnel")));
    }
  }

  @Test
  void healthReportsBecomeTheHealthyConditionWrittenOnlyByTheController() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      var p = Fixture.withProbe(proxy("1.2.3.4", "nw1"));
      f.connect(f.pilot1, p);
      assertThat(f.annotation(ENTRY, WellKnown.HEALTH_CHECKS_ENABLED)).isEqualTo("true");
      f.pilot1.onHealthReport(p, DiscoveryRequest.getDefaultInstance());
      assertThat(f.entry(ENTRY).orElseThrow().status().condition(Condition.HEALTHY).orElseThrow().status())
          .isEqualTo("True");
      f.advance(Duration.ofSeconds(1));
      f.pilot1.onHealthReport(p, DiscoveryRequest.newBuilder().setErrorDetail(Status.newBuilder()
          .setCode(13).setMessage("lol health bad")).build());
      var c = f.entry(ENTRY).orElseThrow().status().condition(Condition.HEALTHY).orElseThrow();
      assertThat(c.status()).isEqualTo("False");
      assertThat(c.message()).isEqualTo("lol health bad");
      assertThat(c.lastProbeTime()).isEqualTo(f.time.instant());
      f.pilot2.onHealthReport(p, DiscoveryRequest.getDefaultInstance()); // not its entry
      assertThat(f.entry(ENTRY).orElseThrow().status().condition(Condition.HEALTHY).orElseThrow().status())
          .isEqualTo("False");
    }
  }

  @Test
  void groupUpdatesReachTheEntriesAndAnIdentityThatNoLongerFitsLosesItsEntry() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.apply(GROUP_A.replace("ports: {http: 80}", "ports: {http: 8080}").replace("labels: {app: a}",
          "labels: {app: a, tier: web}"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.entry(ENTRY).orElseThrow()
          .spec(WorkloadEntrySpec.class).ports().equals(Map.of("http", 8080)));
      assertThat(f.entry(ENTRY).orElseThrow().metadata().labels()).containsEntry("tier", "web");
      f.apply(GROUP_A.replace("serviceAccount: sa-a", "serviceAccount: sa-other"));
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> f.entry(ENTRY).isEmpty());
    }
  }

  @Test
  void deletionsAreRateLimited() {
    var options = AutoRegistrationOptions.defaults("pilot-1", "cluster.local");
    try (Fixture f = new Fixture(options)) {
      f.apply(GROUP_A);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        ids.add(f.connect(f.pilot1, proxy("10.0.0." + i, "")));
      }
      f.pilot1.close(); // no grace checks: the sweep of pilot-2 finds them all at once
      for (int i = 0; i < 50; i++) {
        f.pilot2.onDisconnect(proxy("10.0.0." + i, ""), ids.get(i)); // not pilot-2's: ignored
      }
      var all = f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items();
      for (var we : all) { // mark them disconnected as pilot-1 would have
        var a = new HashMap<>(we.metadata().annotations());
        a.remove(WellKnown.CONNECTED_AT);
        a.put(WellKnown.DISCONNECTED_AT, ResourceEncoder.time(f.time.instant()));
        f.store.update(we.withMetadata(we.metadata().withAnnotations(a)));
      }
      f.advance(Duration.ofSeconds(100)); // the sweep: 20 go at once, then 20 per second
      int left = f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items().size();
      assertThat(left).isEqualTo(30);
      f.advance(Duration.ofMillis(1000));
      assertThat(f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()).hasSize(10);
      f.advance(Duration.ofMillis(500));
      assertThat(f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()).isEmpty();
    }
  }
}
