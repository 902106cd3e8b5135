package dev.vmesh.controlplane.autoregistration;

import static dev.vmesh.controlplane.autoregistration.Fixture.GROUP_A;
import static dev.vmesh.controlplane.autoregistration.Fixture.proxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A VM whose group and address give the name of a WorkloadEntry somebody created by hand is refused
 * (logged, counted): the entry keeps its spec, labels and service account, and is never deleted after
 * the VM leaves or when its group changes.
 */
class AutoRegistrationNeverTakesOverAnEntryItDidNotCreateTest {
  static final String ENTRY = "wg-a-1.2.3.4-nw1";
  static final String MANUAL = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata:
        name: wg-a-1.2.3.4-nw1
        namespace: a
        labels: {team: pay}
        %s
      spec: {address: 10.9.9.9, serviceAccount: payments, labels: {team: pay}}
      """;

  static double refusals(AutoRegistrationController c, String reason) {
    return c.metrics().refusals.labelValues(reason).get();
  }

  @Test
  void aVmWhoseNameIsTakenIsRefusedAndTheManualEntryOutlivesItUntouched() throws Exception {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.apply(MANUAL.formatted(""));
      Resource before = f.entry(ENTRY).orElseThrow();

      assertThatThrownBy(() -> f.connect(f.pilot1, proxy("1.2.3.4", "nw1")))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            assertThat(e.getStatus().getDescription()).contains("auto-registration refused: WorkloadEntry a/" + ENTRY
                + " exists and was not created by auto-registration").contains("never takes over");
          });
      assertThat(refusals(f.pilot1, "name_taken")).isEqualTo(1);
      assertThat(f.entry(ENTRY)).contains(before);
      assertThat(f.pilot1.connections()).isEmpty();

      f.advance(Duration.ofMinutes(30)); // grace checks and sweeps come and go
      f.pilot1.sweep();
      f.pilot2.sweep();
      assertThat(f.entry(ENTRY)).contains(before);
    }
  }

  @Test
  void anEntryCopiedWithTheAnnotationButWithoutTheGroupAsOwnerIsNotOursEither() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      f.apply(MANUAL.formatted("annotations: {istio.io/autoRegistrationGroup: wg-a, "
          + "istio.io/disconnectedAt: '2020-01-01T00:00:00Z'}"));
      Resource before = f.entry(ENTRY).orElseThrow();
      assertThatThrownBy(() -> f.connect(f.pilot1, proxy("1.2.3.4", "nw1"))).hasMessageContaining("ALREADY_EXISTS");
      f.advance(Duration.ofMinutes(30));
      f.pilot1.sweep();
      assertThat(f.entry(ENTRY)).contains(before);
    }
  }

  @Test
  void aManualEntryThatAppearsWhileTheVmWaitsForItsGroupIsNeitherRewrittenNorDeleted() throws Exception {
    try (Fixture f = new Fixture()) {
      var vm = Fixture.withProbe(proxy("1.2.3.4", "nw1"));
      String c = f.connect(f.pilot1, vm); // no group yet: connected, waiting
      assertThat(refusals(f.pilot1, "no_group")).isEqualTo(1);
      f.apply(MANUAL.formatted("annotations: {istio.io/workloadController: pilot-1}"));
      Resource before = f.entry(ENTRY).orElseThrow();

      f.apply(GROUP_A); // late registration finds the name taken
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> refusals(f.pilot1, "name_taken") >= 1);
      f.apply(GROUP_A.replace("serviceAccount: sa-a", "serviceAccount: sa-other")); // the VM no longer fits
      f.pilot1.onHealthReport(vm, DiscoveryRequest.getDefaultInstance());
      f.pilot1.onDisconnect(vm, c);
      f.advance(Duration.ofMinutes(30));
      f.pilot1.sweep();
      assertThat(f.entry(ENTRY)).contains(before);
      assertThat(f.entry(ENTRY).orElseThrow().status().condition(Condition.HEALTHY)).isEmpty();
    }
  }

  @Test
  void itsOwnEntryIsStillRefreshedAndRemoved() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      assertThat(GroupEntries.ownedBy(f.entry(ENTRY).orElseThrow(), "wg-a")).isTrue();
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c);
      f.advance(Duration.ofSeconds(11));
      assertThat(f.entry(ENTRY)).isEmpty();
    }
  }
}
