package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The push loop skips streams whose subscribed types a change does not touch (a VM agent asking only
 * for the name table); a type a stream subscribes to after its first one must still be pushed.
 */
class ATypeSubscribedLaterIsPushedTooTest {
  static final String CLUSTER = "outbound|80||svc1.internal.com";

  private static DiscoveryRequest ack(DiscoveryResponse r, String... names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl()).setResponseNonce(r.getNonce())
        .setVersionInfo(r.getVersionInfo()).addAllResourceNames(List.of(names)).build();
  }

  @Test
  void aTypeSubscribedAfterTheFirstIsPushedToo() throws Exception {
    try (Harness h = new Harness(StateOfTheWorldProtocolTest.MESH)) {
      var agent = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> a = h.stub().streamAggregatedResources(agent);
      a.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.NAME_TABLE)
          .setNode(Harness.node("sidecar~10.0.0.9~vm.ns1~ns1.svc.cluster.local", "ns1", false)).build());
      a.onNext(ack(agent.next()));

      var both = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> b = h.stub().streamAggregatedResources(both);
      b.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.NAME_TABLE)
          .setNode(Harness.node("both", "ns1", true)).build());
      b.onNext(ack(both.next()));
      b.onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.ENDPOINT).addResourceNames(CLUSTER).build());
      DiscoveryResponse initial = both.next();
      assertThat(initial.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      b.onNext(ack(initial, CLUSTER));

      h.upsert("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: vm2, namespace: ns1}
          spec: {address: 2.2.2.2, labels: {app: foo}}
          """);
      DiscoveryResponse pushed = both.next();
      assertThat(pushed.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      assertThat(pushed.getResources(0).unpack(ClusterLoadAssignment.class).getEndpoints(0).getLbEndpointsCount())
          .isEqualTo(2);
      assertThat(agent.messages).isEmpty(); // nothing it asked for changed (as before the push loop filtered)
    }
  }
}
