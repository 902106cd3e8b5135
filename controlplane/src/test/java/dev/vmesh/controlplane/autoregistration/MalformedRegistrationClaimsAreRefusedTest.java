package dev.vmesh.controlplane.autoregistration;

import static dev.vmesh.controlplane.autoregistration.Fixture.GROUP_A;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.api.Kind;
import dev.vmesh.store.ListOptions;
import dev.vmesh.xds.Proxy;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a node claims is checked before it names anything in the store: a group name that is not an
 * object name and an address that is not an IP are refused with INVALID_ARGUMENT, a WORKLOAD_ENTRY that
 * does not exist with FAILED_PRECONDITION, and the refusal repeats at most {@value Proxy#MAX_QUOTED}
 * characters of what the node sent.
 */
class MalformedRegistrationClaimsAreRefusedTest {
  static Proxy claiming(String group, String ip) {
    Struct md = Struct.newBuilder().putFields("INSTANCE_IPS", Value.newBuilder().setStringValue(ip).build()).build();
    return new Proxy("sidecar~x~vm.a~a.svc.cluster.local", "sidecar", List.of(ip), "a", Map.of(), "", "", false, group,
        "", "", md, "spiffe://cluster.local/ns/a/sa/sa-a");
  }

  private static Status refusal(Fixture f, Proxy p) {
    try {
      f.connect(f.pilot1, p);
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("not refused");
  }

  @Test
  void aGroupNameThatIsNotAnObjectNameIsRefused() throws Exception {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      Status s = refusal(f, claiming("WG_A", "10.0.0.1"));
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("AUTO_REGISTER_GROUP \"WG_A\" is not a WorkloadGroup name");
      assertThat(AutoRegistrationNeverTakesOverAnEntryItDidNotCreateTest.refusals(f.pilot1, "invalid_group"))
          .isEqualTo(1);
    }
  }

  @Test
  void anAddressThatIsNotAnIpIsRefusedAndAHugeOneIsNotRepeatedWhole() throws Exception {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      Status s = refusal(f, claiming("wg-a", "300.1.1.1"));
      assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(s.getDescription()).contains("INSTANCE_IPS has \"300.1.1.1\", which is not an IP address");

      Status huge = refusal(f, claiming("wg-a", "x".repeat(1_000_000)));
      assertThat(huge.getDescription()).contains("more characters").hasSizeLessThan(1000);
      assertThat(AutoRegistrationNeverTakesOverAnEntryItDidNotCreateTest.refusals(f.pilot1, "invalid_address"))
          .isEqualTo(2);
      assertThat(f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()).isEmpty();
    }
  }

  @Test
  void aHugeWorkloadEntryNameThatDoesNotExistIsNotRepeatedWhole() throws Exception {
    try (Fixture f = new Fixture()) {
      Proxy p = claiming("", "10.0.0.1");
      Proxy naming = new Proxy(p.id(), p.type(), p.ips(), p.namespace(), p.labels(), p.network(), p.locality(),
          p.proxyless(), "", "w".repeat(70_000), p.clusterId(), p.metadata(), p.identity());
      Status s = refusal(f, naming);
      assertThat(s.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(s.getDescription()).startsWith("WorkloadEntry a/www").contains("more characters")
          .endsWith("named by WORKLOAD_ENTRY does not exist").hasSizeLessThan(1000);
    }
  }
}
