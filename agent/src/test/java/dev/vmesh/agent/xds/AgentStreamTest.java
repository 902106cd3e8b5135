package dev.vmesh.agent.xds;
import com.google.protobuf.ByteString;
import dev.vmesh.api.time.ManualTimer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import dev.vmesh.proto.Wire;
import dev.vmesh.proto.nds.NameTable;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AgentStreamTest {
  static final Node NODE = Node.newBuilder().setId("sidecar~10.0.0.5~vm-1.vm~vm.svc.cluster.local").build();
  FakeAds server;
  ManualTimer timer = new ManualTimer();
  List<NameTable> tables = new CopyOnWriteArrayList<>();
  AgentStream stream;

  @BeforeEach
  void start() throws Exception {
    server = new FakeAds("agent-stream-" + System.nanoTime());
    stream = new AgentStream(server, NODE, timer, timer, new Random(1), tables::add);
  }

  @AfterEach
  void stop() {
    stream.close();
    server.close();
  }

  static DiscoveryResponse table(String version, String host) {
    NameTable t = NameTable.newBuilder().putTable(host, NameTable.NameInfo.newBuilder().addIps("240.240.0.1")
        .build()).build();
    return DiscoveryResponse.newBuilder().setTypeUrl(Wire.NAME_TABLE_TYPE).setVersionInfo(version)
        .setNonce("n" + version).addResources(Any.pack(t)).build();
  }

  @Test
  void subscribesToTheNameTableWithTheNodeOnceAndAcksEachTable() {
    stream.start();
    var s = server.last();
    assertThat(s.requests).hasSize(1);
    assertThat(s.requests.get(0).getNode()).isEqualTo(NODE);
    assertThat(s.requests.get(0).getTypeUrl()).isEqualTo(Wire.NAME_TABLE_TYPE);
    assertThat(stream.isConnected()).isFalse();

    s.out.onNext(table("1", "a.example.com"));
    assertThat(stream.isConnected()).isTrue();
    assertThat(tables).hasSize(1);
    assertThat(tables.get(0).getTableMap()).containsKey("a.example.com");
    DiscoveryRequest ack = s.requests.get(1);
    assertThat(ack.hasNode()).isFalse();
    assertThat(ack.getVersionInfo()).isEqualTo("1");
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.hasErrorDetail()).isFalse();

    // A table that cannot be read is NACKed and not applied.
    s.out.onNext(DiscoveryResponse.newBuilder().setTypeUrl(Wire.NAME_TABLE_TYPE).setVersionInfo("2").setNonce("n2")
        .addResources(Any.newBuilder().setTypeUrl("type.googleapis.com/istio.networking.nds.v1.NameTable")
            .setValue(ByteString.copyFromUtf8("\u00ff\u00ff garbage"))).build());
    assertThat(tables).hasSize(1);
    assertThat(s.requests.get(2).hasErrorDetail()).isTrue();
  }

  @Test
  void healthIsSentOnChangeAndAgainOnEveryNewStream() {
    stream.reportHealth(false, "GET http://10.0.0.5:8080/ returned 503");
    stream.start();
    var first = server.last();
    DiscoveryRequest health = first.requests.get(1);
    assertThat(health.getTypeUrl()).isEqualTo(Wire.HEALTH_INFORMATION_TYPE);
    assertThat(health.getErrorDetail().getMessage()).contains("returned 503");
    first.out.onNext(table("1", "a"));

    stream.reportHealth(true, "");
    DiscoveryRequest healthy = first.requests.get(first.requests.size() - 1);
    assertThat(healthy.getTypeUrl()).isEqualTo(Wire.HEALTH_INFORMATION_TYPE);
    assertThat(healthy.hasErrorDetail()).isFalse();

    // The server goes away after a working stream: reconnect within a second, node and health again.
    first.out.onError(Status.UNAVAILABLE.withDescription("restarting").asRuntimeException());
    assertThat(stream.isConnected()).isFalse();
    assertThat(stream.stats().lastError()).contains("UNAVAILABLE: restarting");
    assertThat(server.failedOver).containsExactly(server.channel);
    timer.advance(Duration.ofSeconds(1));
    assertThat(server.streams).hasSize(2);
    var second = server.last();
    assertThat(second.requests.get(0).getNode()).isEqualTo(NODE);
    assertThat(second.requests.get(1).getTypeUrl()).isEqualTo(Wire.HEALTH_INFORMATION_TYPE);
    assertThat(second.requests.get(1).hasErrorDetail()).isFalse();
  }

  @Test
  void streamsThatNeverWorkBackOffExponentiallyWithJitterUpToThirtySeconds() {
    stream.start();
    Duration previousMax = Duration.ZERO;
    for (int i = 1; i <= 10; i++) {
      server.last().out.onError(Status.UNAVAILABLE.asRuntimeException());
      int before = server.streams.size();
      long base = Math.min(30_000, 500L << (i - 1));
      // Not before half the base delay, always by one and a half times it.
      timer.advance(Duration.ofMillis(base / 2 - 1));
      assertThat(server.streams).as("attempt %d too early", i).hasSize(before);
      timer.advance(Duration.ofMillis(base + 1));
      assertThat(server.streams).as("attempt %d", i).hasSize(before + 1);
      previousMax = Duration.ofMillis(base);
    }
    assertThat(previousMax).isEqualTo(Duration.ofSeconds(30));
    assertThat(stream.stats().failures()).isEqualTo(10);
  }

  @Test
  void closeCancelsTheStreamAndStopsReconnecting() {
    stream.start();
    var s = server.last();
    stream.close();
    await().until(() -> s.ended);
    timer.advance(Duration.ofMinutes(5));
    assertThat(server.streams).hasSize(1);
  }
}
