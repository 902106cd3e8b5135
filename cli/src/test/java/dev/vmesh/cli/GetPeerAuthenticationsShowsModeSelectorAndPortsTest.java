package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadSelector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code vmesh get pa}: one row per PeerAuthentication with its mode, selector and port-level modes. */
class GetPeerAuthenticationsShowsModeSelectorAndPortsTest {
  private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

  @Test
  void meshNamespaceAndWorkloadPoliciesShowWhatTheySet() {
    Resource mesh = Resource.of(ObjectMeta.of("istio-system", "default").withCreationTimestamp(NOW.minusSeconds(60)),
        new PeerAuthenticationSpec(null, MtlsMode.STRICT, null));
    Resource web = Resource.of(ObjectMeta.of("ns1", "web").withCreationTimestamp(NOW.minusSeconds(60)),
        new PeerAuthenticationSpec(new WorkloadSelector(Map.of("app", "web", "tier", "front")), MtlsMode.UNSET,
            Map.of(9090, MtlsMode.PERMISSIVE, 8080, MtlsMode.DISABLE)));

    StringWriter s = new StringWriter();
    GetCommand.table(new PrintWriter(s, true), Kind.PEER_AUTHENTICATION, List.of(mesh, web), false, NOW);

    assertThat(s.toString().lines().toList()).containsExactly(
        "NAMESPACE      NAME      MODE     SELECTOR             PORT MODES                     AGE",
        "istio-system   default   STRICT   -                    -                              1m",
        "ns1            web       UNSET    app=web,tier=front   8080=DISABLE,9090=PERMISSIVE   1m");
  }
}
