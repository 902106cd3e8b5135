package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Through the real TLS port: a single-use token opens one xDS stream and nothing after it, and a proxy
 * proving ns1 neither gets ns2's view by claiming it (refused) nor the default namespace's by claiming
 * nothing (it gets ns1's).
 */
class XdsOnTheTlsPortServesOnlyWhatTheCredentialsProveTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: mine, namespace: ns1}
      spec:
        hosts: [mine.internal]
        ports: [{number: 80, name: http}]
        addresses: [10.1.1.1]
        exportTo: ['.']
        resolution: STATIC
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: secret, namespace: ns2}
      spec:
        hosts: [secret.internal]
        ports: [{number: 80, name: http}]
        addresses: [10.2.2.2]
        exportTo: ['.']
        resolution: STATIC
      """;

  @TempDir
  Path tmp;

  TlsServer s;

  @BeforeEach
  void setUp() throws Exception {
    s = new TlsServer(tmp, MESH);
  }

  @AfterEach
  void tearDown() {
    s.close();
  }

  private static Status refusal(TlsServer.Stream stream) {
    await().atMost(Duration.ofSeconds(10)).until(() -> stream.error != null);
    assertThat(stream.responses).isEmpty();
    return Status.fromThrowable(stream.error);
  }

  private static List<String> clusters(TlsServer.Stream stream) throws Exception {
    List<String> names = new ArrayList<>();
    for (var any : stream.next().getResourcesList()) {
      names.add(any.unpack(Cluster.class).getName());
    }
    return names;
  }

  @Test
  void aSingleUseTokenOpensOneStreamAndThenNothing() throws Exception {
    String once = s.token("ns1", "vm", true);
    var first = s.cds(once, TlsServer.node("vm-a", Map.of()));
    assertThat(clusters(first)).contains("outbound|80||mine.internal");
    Status second = refusal(s.cds(once, TlsServer.node("vm-b", Map.of())));
    assertThat(second.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(second.getDescription()).contains("single-use and was already used").contains("vmesh token create");
  }

  @Test
  void aStreamRefusedForItsCredentialsIsCountedAndListedOnRefusedz() throws Exception {
    Status forged = refusal(s.cds("not-a-token", TlsServer.node("vm-forged", Map.of())));
    assertThat(forged.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);

    String refusedz = s.http("GET", "/debug/refusedz", null).body();
    assertThat(refusedz).contains("refused before the first request").contains("from /127.0.0.1:")
        .contains("\"unauthenticated\"").contains("\"UNAUTHENTICATED\"");
    assertThat(s.http("GET", "/metrics", null).body())
        .contains("vmesh_xds_rejected_streams_total{reason=\"unauthenticated\"} 1");
  }

  @Test
  void claimingAnotherNamespaceIsRefusedAndClaimingNoneGetsTheProvenOne() throws Exception {
    String ns1 = s.token("ns1", "vm", false);
    Status claimed = refusal(s.cds(ns1, TlsServer.node("vm", Map.of("NAMESPACE", "ns2"))));
    assertThat(claimed.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(claimed.getDescription()).contains("claims namespace ns2");

    var plain = s.cds(ns1, TlsServer.node("plain", Map.of()));
    assertThat(clusters(plain)).contains("outbound|80||mine.internal").doesNotContain("outbound|80||secret.internal");
  }
}
