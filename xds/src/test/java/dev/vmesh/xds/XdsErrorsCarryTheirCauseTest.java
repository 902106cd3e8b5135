package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.StatusRuntimeException;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What went wrong on an ADS stream stays visible: a NACK's {@code error_detail} in the stream's status
 * (bounded) and in {@code vmesh_xds_nacks_total{type}}; a stream the server refuses, with the status
 * the client got, in {@link XdsServer#refusedStreams()} and {@code vmesh_xds_rejected_streams_total}.
 */
class XdsErrorsCarryTheirCauseTest {
  static final String MESH = StateOfTheWorldProtocolTest.MESH;

  /** The value of counter {@code name} (without {@code _total}) for {@code label=value}, 0 if none. */
  private static double counter(PrometheusRegistry registry, String name, String label, String value) {
    for (MetricSnapshot m : registry.scrape()) {
      if (m.getMetadata().getName().equals(name)) {
        for (DataPointSnapshot d : m.getDataPoints()) {
          if (value.equals(d.getLabels().get(label))) {
            return ((CounterSnapshot.CounterDataPointSnapshot) d).getValue();
          }
        }
      }
    }
    return 0;
  }

  @Test
  void aNacksMessageIsKeptBoundedAndCountedPerType() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    try (Harness h = new Harness(MESH, XdsCallbacks.NONE, new XdsMetrics(registry))) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      var req = h.stub().streamAggregatedResources(rec);
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.ENDPOINT, List.of("outbound|80||svc1.internal.com"),
          null).toBuilder().setNode(Harness.node("client-1", "ns1", true)).build());
      DiscoveryResponse eds = rec.next();
      String cause = "errors parsing EDS resource: [field:endpoints[0].lb_endpoints[1] error:duplicate endpoint "
          + "address \"ipv4:10.0.0.1:80\"]\n" + "x".repeat(10_000);
      req.onNext(StateOfTheWorldProtocolTest.request(TypeUrls.ENDPOINT, List.of("outbound|80||svc1.internal.com"),
          eds).toBuilder().setVersionInfo("").setErrorDetail(Status.newBuilder().setCode(3).setMessage(cause))
          .build());
      await().atMost(Duration.ofSeconds(10)).until(() -> h.xds.syncStatus().get(0).types().get("eds").nacks() == 1);
      var status = h.xds.syncStatus().get(0).types().get("eds");
      assertThat(status.lastNack()).startsWith(cause.substring(0, 100)).endsWith("more characters)")
          .hasSizeLessThan(Connection.MAX_DETAIL + 40);
      assertThat(status.lastNackAt()).isNotNull();
      assertThat(counter(registry, "vmesh_xds_nacks", "type", "eds")).isEqualTo(1.0);
      assertThat(rec.error).isNull();
    }
  }

  @Test
  void refusedStreamsAreKeptWithTheStatusTheClientGot() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    try (Harness h = new Harness(MESH, XdsCallbacks.NONE, new XdsMetrics(registry))) {
      var noNode = new Harness.Recorder<DiscoveryResponse>();
      h.stub().streamAggregatedResources(noNode).onNext(DiscoveryRequest.newBuilder()
          .setTypeUrl(TypeUrls.CLUSTER).setNode(Node.getDefaultInstance()).build());
      // one refusal at a time: two streams refused at once could be recorded in either order
      await().atMost(Duration.ofSeconds(10)).until(() -> noNode.error != null);
      var badType = new Harness.Recorder<DiscoveryResponse>();
      h.stub().streamAggregatedResources(badType).onNext(DiscoveryRequest.newBuilder()
          .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Nope")
          .setNode(Harness.node("client-2", "ns1", true)).build());
      await().atMost(Duration.ofSeconds(10)).until(() -> badType.error != null);
      assertThat(((StatusRuntimeException) noNode.error).getStatus().getDescription()).contains("node.id is empty");

      List<RefusedStream> refused = h.xds.refusedStreams();
      assertThat(refused).extracting(RefusedStream::reason).containsExactly("bad_type", "bad_node"); // newest first
      assertThat(refused.get(0).proxy()).startsWith("client-2-");
      assertThat(refused.get(0).status()).isEqualTo("INVALID_ARGUMENT");
      assertThat(refused.get(0).message()).contains("unsupported type_url", "envoy.config.cluster.v3.Nope");
      assertThat(refused.get(1).message()).contains("node.id is empty");
      assertThat(refused.get(1).proxy()).startsWith("(no node id)-");
      assertThat(refused.get(1).at()).isNotNull();
      assertThat(counter(registry, "vmesh_xds_rejected_streams", "reason", "bad_node")).isEqualTo(1.0);
      assertThat(counter(registry, "vmesh_xds_rejected_streams", "reason", "bad_type")).isEqualTo(1.0);
    }
  }
}
