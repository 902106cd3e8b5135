package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.Status;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateOfTheWorldProtocolTest {
  static final String MESH = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: svc1, namespace: ns1}
      spec:
        hosts: [svc1.internal.com]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        workloadSelector: {labels: {app: foo}}
      ---
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: vm1, namespace: ns1}
      spec: {address: 1.1.1.1, labels: {app: foo}}
      ---
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: private, namespace: other}
      spec:
        hosts: [private.internal.com]
        ports: [{number: 9000, name: tcp, protocol: TCP}]
        addresses: [10.9.9.9]
        exportTo: ['.']
        resolution: STATIC
      """;

  static DiscoveryRequest request(String type, List<String> names, DiscoveryResponse acking) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(names);
    if (acking != null) {
      b.setResponseNonce(acking.getNonce()).setVersionInfo(acking.getVersionInfo());
    }
    return b.build();
  }

  @Test
  void proxylessClientWalksListenerRouteClusterEndpoints() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(request(TypeUrls.LISTENER, List.of("svc1.internal.com:80"), null).toBuilder()
          .setNode(Harness.node("sidecar~127.0.0.1~client.ns1~ns1.svc.cluster.local", "ns1", true)).build());
      DiscoveryResponse lds = rec.next();
      assertThat(lds.getTypeUrl()).isEqualTo(TypeUrls.LISTENER);
      Listener listener = lds.getResources(0).unpack(Listener.class);
      assertThat(listener.getName()).isEqualTo("svc1.internal.com:80");
      HttpConnectionManager hcm = listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
      assertThat(hcm.getRds().getRouteConfigName()).isEqualTo("svc1.internal.com:80");
      assertThat(hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName()).isEqualTo("envoy.filters.http.router");

      req.onNext(request(TypeUrls.LISTENER, List.of("svc1.internal.com:80"), lds));
      req.onNext(request(TypeUrls.ROUTE, List.of("svc1.internal.com:80"), null));
      RouteConfiguration rds = rec.next().getResources(0).unpack(RouteConfiguration.class);
      assertThat(rds.getVirtualHosts(0).getDomainsList()).contains("svc1.internal.com", "svc1.internal.com:80");
      assertThat(rds.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo("outbound|80||svc1.internal.com");

      req.onNext(request(TypeUrls.CLUSTER, List.of("outbound|80||svc1.internal.com"), null));
      Cluster cds = rec.next().getResources(0).unpack(Cluster.class);
      assertThat(cds.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
      assertThat(cds.getEdsClusterConfig().getServiceName()).isEqualTo("outbound|80||svc1.internal.com");

      req.onNext(request(TypeUrls.ENDPOINT, List.of("outbound|80||svc1.internal.com"), null));
      DiscoveryResponse eds = rec.next();
      ClusterLoadAssignment cla = eds.getResources(0).unpack(ClusterLoadAssignment.class);
      assertThat(cla.getEndpoints(0).getLoadBalancingWeight().getValue()).isGreaterThanOrEqualTo(1);
      assertThat(cla.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress().getAddress())
          .isEqualTo("1.1.1.1");
      req.onNext(request(TypeUrls.ENDPOINT, List.of("outbound|80||svc1.internal.com"), eds));

      // an endpoint change pushes EDS only
      h.upsert("""
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: vm2, namespace: ns1}
          spec: {address: 2.2.2.2, labels: {app: foo}}
          """);
      DiscoveryResponse eds2 = rec.next();
      assertThat(eds2.getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      assertThat(eds2.getResources(0).unpack(ClusterLoadAssignment.class).getEndpoints(0).getLbEndpointsCount())
          .isEqualTo(2);
      req.onNext(request(TypeUrls.ENDPOINT, List.of("outbound|80||svc1.internal.com"), eds2));
      await().atMost(Duration.ofSeconds(5)).until(() -> h.xds.syncStatus().get(0).types().get("eds").versionAcked()
          .equals(eds2.getVersionInfo()));
      var status = h.xds.syncStatus().get(0);
      assertThat(status.types().get("cds").responses()).isEqualTo(1);
      assertThat(status.types().get("lds").responses()).isEqualTo(1);
      assertThat(status.types().get("eds").responses()).isEqualTo(2);
      assertThat(status.proxy().namespace()).isEqualTo("ns1");
      req.onCompleted();
    }
  }

  @Test
  void aNackIsRecordedAndTheStreamGoesOn() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(request(TypeUrls.CLUSTER, List.of("outbound|80||svc1.internal.com"), null).toBuilder()
          .setNode(Harness.node("client-1", "ns1", true)).build());
      DiscoveryResponse cds = rec.next();
      req.onNext(request(TypeUrls.CLUSTER, List.of("outbound|80||svc1.internal.com"), cds).toBuilder()
          .setVersionInfo("").setErrorDetail(Status.newBuilder().setCode(3).setMessage("bad cluster")).build());
      req.onNext(request(TypeUrls.ENDPOINT, List.of("outbound|80||svc1.internal.com"), null));
      assertThat(rec.next().getTypeUrl()).isEqualTo(TypeUrls.ENDPOINT);
      var cdsStatus = h.xds.syncStatus().get(0).types().get("cds");
      assertThat(cdsStatus.lastNack()).isEqualTo("bad cluster");
      assertThat(cdsStatus.nacks()).isEqualTo(1);
      assertThat(cdsStatus.versionAcked()).isEmpty();
      assertThat(rec.error).isNull();
    }
  }

  @Test
  void staleNoncesAreIgnored() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(request(TypeUrls.CLUSTER, List.of("outbound|80||svc1.internal.com"), null).toBuilder()
          .setNode(Harness.node("client-1", "ns1", true)).build());
      DiscoveryResponse first = rec.next();
      req.onNext(request(TypeUrls.CLUSTER, List.of("outbound|80||svc1.internal.com"), first).toBuilder()
          .setResponseNonce("not-a-nonce-we-sent").setErrorDetail(Status.newBuilder().setMessage("old")).build());
      req.onNext(request(TypeUrls.NAME_TABLE, List.of(), null));
      assertThat(rec.next().getTypeUrl()).isEqualTo(TypeUrls.NAME_TABLE);
      assertThat(h.xds.syncStatus().get(0).types().get("cds").nacks()).isZero();
    }
  }

  @Test
  void envoyWildcardClustersFollowVisibilityAndRemovalsDropOut() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(request(TypeUrls.CLUSTER, List.of(), null).toBuilder()
          .setNode(Harness.node("sidecar~1.1.1.1~vm1.ns1~ns1.svc.cluster.local", "ns1", false)).build());
      DiscoveryResponse cds = rec.next();
      assertThat(names(cds)).containsExactlyInAnyOrder("outbound|80||svc1.internal.com", "BlackHoleCluster",
          "PassthroughCluster", "InboundPassthroughCluster", "inbound|80||");
      req.onNext(request(TypeUrls.CLUSTER, List.of(), cds));

      var svc1 = h.objects(MESH).get(0);
      h.delete(svc1);
      DiscoveryResponse after = rec.next();
      assertThat(after.getTypeUrl()).isEqualTo(TypeUrls.CLUSTER);
      assertThat(names(after)).containsExactlyInAnyOrder("BlackHoleCluster", "PassthroughCluster",
          "InboundPassthroughCluster");
    }
  }

  @Test
  void nameTableHoldsTheVisibleHostsOnly() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(request(TypeUrls.NAME_TABLE, List.of(), null).toBuilder()
          .setNode(Harness.node("agent", "ns1", false)).build());
      var table = rec.next().getResources(0).unpack(NameTable.class);
      assertThat(table.getTableMap()).containsOnlyKeys("svc1.internal.com");
      assertThat(table.getTableMap().get("svc1.internal.com").getIpsList()).containsExactly("240.240.0.1", "2001:2::1");
      assertThat(table.getTableMap().get("svc1.internal.com").getRegistry()).isEqualTo("External");
    }
  }

  @Test
  void nameTableFollowsAServiceExportedToTheProxysNamespace() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      StreamObserver<DiscoveryRequest> req = h.stub().streamAggregatedResources(rec);
      req.onNext(request(TypeUrls.NAME_TABLE, List.of(), null).toBuilder()
          .setNode(Harness.node("agent", "ns1", false)).build());
      DiscoveryResponse first = rec.next();
      req.onNext(request(TypeUrls.NAME_TABLE, List.of(), first));
      h.upsert(MESH.substring(MESH.lastIndexOf("---") + 4).replace("exportTo: ['.']", "exportTo: ['*']"));
      var table = rec.next().getResources(0).unpack(NameTable.class);
      assertThat(table.getTableMap()).containsOnlyKeys("svc1.internal.com", "private.internal.com");
      assertThat(table.getTableMap().get("private.internal.com").getIpsList()).containsExactly("10.9.9.9");
    }
  }

  @Test
  void unknownTypeUrlAndMissingNodeEndTheStreamWithAMessage() throws Exception {
    try (Harness h = new Harness(MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      h.stub().streamAggregatedResources(rec).onNext(DiscoveryRequest.newBuilder()
          .setTypeUrl("type.googleapis.com/envoy.nothing.v3.Thing").setNode(Harness.node("x", "ns1", false)).build());
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.error != null);
      assertThat(((StatusRuntimeException) rec.error).getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
      assertThat(rec.error).hasMessageContaining("unsupported type_url \"type.googleapis.com/envoy.nothing.v3.Thing\"");

      var noNode = new Harness.Recorder<DiscoveryResponse>();
      h.stub().streamAggregatedResources(noNode).onNext(request(TypeUrls.CLUSTER, List.of(), null));
      await().atMost(Duration.ofSeconds(5)).until(() -> noNode.error != null);
      assertThat(noNode.error).hasMessageContaining("node.id is empty");
      assertThat(h.xds.connectionCount()).isZero();
    }
  }

  static List<String> names(DiscoveryResponse r) throws Exception {
    List<String> out = new ArrayList<>();
    for (var any : r.getResourcesList()) {
      out.add(any.unpack(Cluster.class).getName());
    }
    return out;
  }
}
