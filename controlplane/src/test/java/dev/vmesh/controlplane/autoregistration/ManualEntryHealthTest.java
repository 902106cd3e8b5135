package dev.vmesh.controlplane.autoregistration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import dev.vmesh.api.Condition;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.xds.Proxy;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A hand-written WorkloadEntry named by WORKLOAD_ENTRY gets health checking without auto-registration. */
class ManualEntryHealthTest {
  static String entry(String annotationValue) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: vm1
          namespace: a
          %s
        spec: {address: 10.0.0.1, serviceAccount: sa-a}
        """.formatted(annotationValue == null ? "" : "annotations: {proxy.istio.io/health-checks-enabled: '"
            + annotationValue + "'}");
  }

  static Proxy manual(String entry) {
    return new Proxy("sidecar~10.0.0.1~vm1.a~a.svc.cluster.local", "sidecar", List.of("10.0.0.1"), "a", Map.of(), "",
        "", false, "", entry, "", Struct.getDefaultInstance(), "spiffe://cluster.local/ns/a/sa/sa-a");
  }

  @Test
  void anyAnnotationValueOptsInAndConnectTimeIsRecorded() {
    for (String value : new String[] {"", "false", "true"}) {
      try (Fixture f = new Fixture()) {
        f.apply(entry(value));
        f.connect(f.pilot1, manual("vm1"));
        assertThat(f.annotation("vm1", WellKnown.WORKLOAD_CONTROLLER)).isEqualTo("pilot-1");
        assertThat(f.annotation("vm1", WellKnown.CONNECTED_AT)).isEqualTo(ResourceEncoder.time(f.time.instant()));
      }
    }
  }

  @Test
  void withoutTheAnnotationOrWithoutWorkloadEntryMetadataNothingChanges() {
    try (Fixture f = new Fixture()) {
      f.apply(entry(null));
      var before = f.entry("vm1").orElseThrow();
      f.connect(f.pilot1, manual("vm1"));
      f.connect(f.pilot1, manual(""));
      assertThat(f.entry("vm1")).contains(before);
    }
  }

  @Test
  void aMissingEntryIsAConnectError() {
    try (Fixture f = new Fixture()) {
      assertThatThrownBy(() -> f.connect(f.pilot1, manual("nope"))).hasMessageContaining("FAILED_PRECONDITION")
          .hasMessageContaining("does not exist");
    }
  }

  @Test
  void disconnectedPastTheGracePeriodLosesItsHealthButKeepsTheEntry() {
    try (Fixture f = new Fixture()) {
      f.apply(entry("true"));
      String c = f.connect(f.pilot1, manual("vm1"));
      f.pilot1.onHealthReport(manual("vm1"), DiscoveryRequest.getDefaultInstance());
      assertThat(f.entry("vm1").orElseThrow().status().condition(Condition.HEALTHY)).isPresent();
      f.pilot1.onDisconnect(manual("vm1"), c);
      f.advance(Duration.ofSeconds(11));
      assertThat(f.entry("vm1")).isPresent();
      assertThat(f.entry("vm1").orElseThrow().status().condition(Condition.HEALTHY)).isEmpty();
    }
  }

  @Test
  void withAutoRegistrationOffManualHealthChecksStillWorkAndGroupsAreIgnored() {
    var options = new AutoRegistrationOptions(false, true, true, Duration.ofSeconds(10), Duration.ofMinutes(30),
        "pilot-1", "cluster.local", 20);
    try (Fixture f = new Fixture(options)) {
      f.apply(Fixture.GROUP_A);
      f.apply(entry("true"));
      f.connect(f.pilot1, Fixture.proxy("1.2.3.4", "nw1"));
      assertThat(f.entry("wg-a-1.2.3.4-nw1")).isEmpty();
      f.connect(f.pilot1, manual("vm1"));
      f.pilot1.onHealthReport(manual("vm1"), DiscoveryRequest.getDefaultInstance());
      assertThat(f.entry("vm1").orElseThrow().status().condition(Condition.HEALTHY).orElseThrow().isTrue()).isTrue();
    }
  }
}
