package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A proxy whose connection proved an identity gets the config of that identity's namespace: a node
 * claiming another namespace or service account is refused (as istiod refuses it), and a node that
 * claims none gets its identity's namespace, never the default one.
 */
class ProxiesGetOnlyTheNamespaceTheirIdentityProvesTest {
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
  /** What the transport proved, as the TLS port's interceptor would set it (here from a header). */
  static final Metadata.Key<String> PROVEN = Metadata.Key.of("x-test-identity", Metadata.ASCII_STRING_MARSHALLER);

  Harness harness;
  Server server;
  ManagedChannel channel;

  @BeforeEach
  void setUp() throws Exception {
    harness = new Harness(MESH);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(ServerInterceptors.intercept(
        harness.xds.service(), new ServerInterceptor() {
          @Override
          public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
              ServerCallHandler<Q, A> next) {
            String id = headers.get(PROVEN);
            Context ctx = id == null ? Context.current() : Context.current().withValue(XdsServer.PEER_IDENTITY, id);
            return Contexts.interceptCall(ctx, call, headers, next);
          }
        })).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    server.shutdownNow();
    harness.close();
  }

  private Harness.Recorder<DiscoveryResponse> cds(String identity, Map<String, String> metadata, String nodeId) {
    Metadata headers = new Metadata();
    if (identity != null) {
      headers.put(PROVEN, identity);
    }
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    Struct.Builder md = Struct.newBuilder();
    metadata.forEach((k, v) -> md.putFields(k, Value.newBuilder().setStringValue(v).build()));
    var rec = new Harness.Recorder<DiscoveryResponse>();
    stub.streamAggregatedResources(rec).onNext(DiscoveryRequest.newBuilder().setTypeUrl(TypeUrls.CLUSTER)
        .setNode(Node.newBuilder().setId(nodeId).setMetadata(md)).build());
    return rec;
  }

  private static List<String> clusters(DiscoveryResponse r) throws Exception {
    List<String> names = new ArrayList<>();
    for (var any : r.getResourcesList()) {
      names.add(any.unpack(Cluster.class).getName());
    }
    return names;
  }

  private static Status refusal(Harness.Recorder<DiscoveryResponse> rec) {
    await().atMost(Duration.ofSeconds(10)).until(() -> rec.error != null);
    assertThat(rec.messages).isEmpty();
    return Status.fromThrowable(rec.error);
  }

  @Test
  void aNodeClaimingAnotherNamespaceThanItsIdentityIsRefusedAndSeesNothing() {
    Status s = refusal(cds("spiffe://cluster.local/ns/ns1/sa/vm", Map.of("NAMESPACE", "ns2"), "intruder"));
    assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(s.getDescription()).contains("claims namespace ns2").contains("spiffe://cluster.local/ns/ns1/sa/vm")
        .contains("set NAMESPACE to ns1");
  }

  @Test
  void aNamespaceClaimedInTheNodeIdCountsToo() {
    Status s = refusal(cds("spiffe://cluster.local/ns/ns1/sa/vm", Map.of(), "sidecar~10.0.0.1~vm.ns2~ns2.svc.cluster.local"));
    assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(s.getDescription()).contains("claims namespace ns2");
  }

  @Test
  void aHugeClaimIsNotRepeatedWhole() {
    Status s = refusal(cds("spiffe://cluster.local/ns/ns1/sa/vm", Map.of("NAMESPACE", "n".repeat(100_000)), "big"));
    assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(s.getDescription()).contains("more characters").hasSizeLessThan(1000);
  }

  @Test
  void aNodeClaimingAnotherServiceAccountIsRefused() {
    Status s = refusal(cds("spiffe://cluster.local/ns/ns1/sa/vm", Map.of("NAMESPACE", "ns1", "SERVICE_ACCOUNT",
        "payments"), "vm"));
    assertThat(s.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(s.getDescription()).contains("claims service account payments");
  }

  @Test
  void aNodeClaimingNoNamespaceGetsItsIdentitysNamespace() throws Exception {
    var rec = cds("spiffe://cluster.local/ns/ns1/sa/vm", Map.of(), "plain-client");
    assertThat(clusters(rec.next())).contains("outbound|80||mine.internal").doesNotContain("outbound|80||secret.internal");
    assertThat(harness.xds.syncStatus()).singleElement().satisfies(s -> assertThat(s.proxy().namespace()).isEqualTo("ns1"));
  }

  @Test
  void aNodeClaimingItsOwnNamespaceSeesItsNamespace() throws Exception {
    var rec = cds("spiffe://cluster.local/ns/ns2/sa/vm", Map.of("NAMESPACE", "ns2", "SERVICE_ACCOUNT", "vm"), "vm");
    assertThat(clusters(rec.next())).contains("outbound|80||secret.internal").doesNotContain("outbound|80||mine.internal");
  }

  @Test
  void withoutAProvenIdentityThePlaintextPortTakesTheClaim() throws Exception {
    var rec = cds(null, Map.of("NAMESPACE", "ns2"), "dev-client");
    assertThat(clusters(rec.next())).contains("outbound|80||secret.internal");
  }
}
