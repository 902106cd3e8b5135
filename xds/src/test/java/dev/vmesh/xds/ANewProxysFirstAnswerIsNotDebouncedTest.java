package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Debouncing is for changes pushed to proxies that already have their config: a new proxy's first answer
 * goes as soon as its request is handled, from the registry as it is, even while a batch of changes waits
 * out the quiet period (here an hour, so an answer that waited for it would never come within the test).
 */
class ANewProxysFirstAnswerIsNotDebouncedTest {
  final Registry registry = new Registry(RegistryOptions.DEFAULTS);
  XdsServer xds;
  Server server;
  ManagedChannel channel;

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    xds.close();
  }

  private static String service(String host) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %1$s, namespace: ns1}
        spec:
          hosts: [%1$s.internal.com]
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
        """.formatted(host);
  }

  private Harness.Recorder<DeltaDiscoveryResponse> connect(String id) {
    Harness.Recorder<DeltaDiscoveryResponse> got = new Harness.Recorder<>();
    AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(got).onNext(DeltaDiscoveryRequest
        .newBuilder().setNode(Harness.node(id, "ns1", true)).setTypeUrl(XdsType.CLUSTER.typeUrl()).build());
    return got;
  }

  private static List<String> names(DeltaDiscoveryResponse r) {
    return r.getResourcesList().stream().map(Resource::getName).toList();
  }

  @Test
  void theFirstAnswerGoesWhileABatchWaitsOutTheQuietPeriod() throws Exception {
    Harness decoder = new Harness(DeltaProtocolTest.MESH); // decodes YAML the way the other tests do
    registry.load(decoder.objects(DeltaProtocolTest.MESH));
    xds = new XdsServer(() -> registry, new XdsOptions(Duration.ofHours(1), Duration.ofHours(1), 2),
        XdsCallbacks.NONE, XdsMetrics.unregistered(), Clock.systemUTC());
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(xds.service()).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    Harness.Recorder<DeltaDiscoveryResponse> first = connect("c1");
    assertThat(names(first.next())).contains(DeltaProtocolTest.A, DeltaProtocolTest.B, DeltaProtocolTest.C);

    // a change after a quiet period goes at once; the next one, within the quiet period, waits an hour
    xds.onRegistryChange(registry.upsert(decoder.objects(service("d")).get(0)));
    assertThat(names(first.next())).containsExactly("outbound|80||d.internal.com");
    xds.onRegistryChange(registry.upsert(decoder.objects(service("e")).get(0)));

    Harness.Recorder<DeltaDiscoveryResponse> second = connect("c2");
    assertThat(names(second.next())).contains(DeltaProtocolTest.A, "outbound|80||d.internal.com",
        "outbound|80||e.internal.com");
    assertThat(first.messages).as("the batch still waits for c1").isEmpty();
    decoder.close();
  }
}
