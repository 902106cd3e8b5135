package dev.vmesh.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One client address may hold {@link HttpLimits#maxConnectionsPerClient()} connections; beyond that it is
 * refused, and while the port is full it is the greediest client's idle or slow connections that make
 * room for others.
 */
class OneClientCannotStarveAnotherTest {
  final CountDownLatch release = new CountDownLatch(1);
  TestPort port;

  @AfterEach
  void stop() {
    release.countDown();
    port.close();
  }

  @Test
  void aClientOverItsShareIsRefusedAndAnotherIsStillServed() throws Exception {
    port = new TestPort(HttpLimits.SERVER.withConnections(10, 3), call -> {
      if (call.path().equals("/hold")) {
        release.await();
      }
      return HttpReply.text(200, "served " + call.client().getAddress().getHostAddress() + "\n");
    });
    List<RawClient> greedy = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        greedy.add(new RawClient("127.0.0.1", port.address()).send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
      }
      for (int i = 3; i < 8; i++) {
        RawClient c = greedy.get(i);
        await().atMost(Duration.ofSeconds(10)).until(c::closedByServer);
        assertThat(c.received()).startsWith("HTTP/1.1 503")
            .contains("too many connections from 127.0.0.1 (at most 3 per client)");
      }
      try (RawClient other = new RawClient("127.0.0.2", port.address())) {
        other.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> other.received().contains("served 127.0.0.2"));
      }
      assertThat(greedy.subList(0, 3)).noneMatch(RawClient::closedByServer);
    } finally {
      for (RawClient c : greedy) {
        c.close();
      }
    }
    assertThat(port.metrics()).contains(
        "t_http_connections_refused_total{port=\"test\",reason=\"client_capacity\"} 5.0");
  }

  @Test
  void whenThePortIsFullTheClientHoldingTheMostConnectionsGivesWay() throws Exception {
    port = new TestPort(HttpLimits.SERVER.withConnections(6, 4), call -> HttpReply.text(200, "ok\n"));
    List<RawClient> a = new ArrayList<>();
    List<RawClient> b = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        a.add(new RawClient("127.0.0.3", port.address()).send("GET / HTTP/1.1\r\n"));
      }
      for (int i = 0; i < 2; i++) {
        b.add(new RawClient("127.0.0.4", port.address()).send("GET / HTTP/1.1\r\n"));
      }
      await().until(() -> port.port.openConnections() == 6);
      try (RawClient c = new RawClient("127.0.0.5", port.address())) {
        c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(() -> c.received().contains("ok"));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> a.get(0).closedByServer());
      assertThat(b).noneMatch(RawClient::closedByServer);
    } finally {
      for (RawClient c : a) {
        c.close();
      }
      for (RawClient c : b) {
        c.close();
      }
    }
  }
}
