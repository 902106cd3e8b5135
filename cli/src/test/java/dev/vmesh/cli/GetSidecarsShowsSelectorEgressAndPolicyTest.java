package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.WorkloadSelector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code vmesh get sidecars}: one row per Sidecar with its selector, its egress listeners (port or * for the
 * catch-all, then hosts) and its outbound policy. Istio gives sidecars no short name; kind, singular and plural
 * all find it.
 */
class GetSidecarsShowsSelectorEgressAndPolicyTest {
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  @Test
  void meshDefaultAndWorkloadSidecarsShowWhatTheySet() {
    Resource mesh = Resource.of(ObjectMeta.of("istio-system", "default").withCreationTimestamp(NOW.minusSeconds(60)),
        new SidecarSpec(null, List.of(new SidecarSpec.EgressListener(null, List.of("./*", "istio-system/*"))), null));
    Resource web = Resource.of(ObjectMeta.of("ns1", "web").withCreationTimestamp(NOW.minusSeconds(120)),
        new SidecarSpec(new WorkloadSelector(Map.of("app", "web")), List.of(
            new SidecarSpec.EgressListener(new SidecarSpec.Port(9080, "HTTP", "http"), List.of("ns2/*")),
            new SidecarSpec.EgressListener(null, List.of("./*"))),
            new SidecarSpec.OutboundTrafficPolicy(null)));

    StringWriter s = new StringWriter();
    GetCommand.table(new PrintWriter(s, true), Kind.SIDECAR, List.of(mesh, web), false, NOW);

    assertThat(s.toString().lines().toList()).containsExactly(
        "NAMESPACE      NAME      SELECTOR   EGRESS                 OUTBOUND        AGE",
        "istio-system   default   -          *:./*,istio-system/*   -               1m",
        "ns1            web       app=web    9080:ns2/* *:./*       REGISTRY_ONLY   2m");
  }

  @Test
  void everyNameOfTheKindFindsIt() {
    for (String name : List.of("sidecar", "sidecars", "Sidecar")) {
      assertThat(Kind.fromUserName(name)).contains(Kind.SIDECAR);
    }
    assertThat(Kind.fromUserName("")).isEmpty();
    assertThat(Kind.userNames()).endsWith("virtualservices (vs), sidecars");
  }
}
