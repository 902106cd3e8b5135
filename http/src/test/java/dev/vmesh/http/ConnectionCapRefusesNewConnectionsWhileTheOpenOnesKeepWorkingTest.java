package dev.vmesh.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * At {@link HttpLimits#maxConnections()} a new connection displaces an idle or header-sending one; when all
 * are busy serving, it is answered 503 and closed, and the busy ones finish undisturbed.
 */
class ConnectionCapRefusesNewConnectionsWhileTheOpenOnesKeepWorkingTest {
  static final int CAP = 4;
  final CountDownLatch release = new CountDownLatch(1);
  final AtomicInteger holding = new AtomicInteger();
  TestPort port;

  @AfterEach
  void stop() {
    release.countDown();
    port.close();
  }

  void start() throws Exception {
    port = new TestPort(HttpLimits.SERVER.withConnections(CAP, CAP), call -> {
      if (call.path().equals("/hold")) {
        holding.incrementAndGet();
        release.await();
      }
      return HttpReply.text(200, "done " + call.path() + "\n");
    });
  }

  @Test
  void whenEveryConnectionIsBusyANewOneGets503AndTheBusyOnesComplete() throws Exception {
    start();
    List<RawClient> busy = new ArrayList<>();
    try {
      for (int i = 0; i < CAP; i++) {
        busy.add(new RawClient("127.0.0.1", port.address()).send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
      }
      await().until(() -> holding.get() == CAP);
      try (RawClient late = new RawClient("127.0.0.2", port.address())) {
        late.send("GET /now HTTP/1.1\r\nHost: x\r\n\r\n");
        await().atMost(Duration.ofSeconds(10)).until(late::closedByServer);
        assertThat(late.received()).startsWith("HTTP/1.1 503").contains("Retry-After: 1")
            .contains("too many connections to this port (at most 4, all busy)");
      }
      assertThat(port.port.openConnections()).isEqualTo(CAP);
      release.countDown();
      for (RawClient c : busy) {
        await().atMost(Duration.ofSeconds(10)).until(() -> c.received().contains("done /hold"));
        assertThat(c.closedByServer()).isFalse();
      }
    } finally {
      for (RawClient c : busy) {
        c.close();
      }
    }
    assertThat(port.metrics()).contains(
        "t_http_connections_refused_total{port=\"test\",reason=\"capacity\"} 1.0");
  }

  @Test
  void slowHeaderConnectionsAreDisplacedSoTheCapNeverLocksOthersOut() throws Exception {
    start();
    List<RawClient> slow = new ArrayList<>();
    try {
      for (int i = 0; i < CAP; i++) {
        slow.add(new RawClient("127.0.0.1", port.address()).send("GET / HTTP/1.1\r\n"));
      }
      await().until(() -> port.port.openConnections() == CAP);
      for (int round = 0; round < 3; round++) {
        // a good client gets in, displacing the oldest slow connection...
        try (RawClient c = new RawClient("127.0.0.2", port.address())) {
          c.send("GET /now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
          await().atMost(Duration.ofSeconds(10)).until(c::closedByServer);
          assertThat(c.received()).startsWith("HTTP/1.1 200").contains("done /now");
        }
        assertThat(slow.get(round).closedByServer()).as("slow connection %d", round).isTrue();
        // ...and the attacker fills the port again
        slow.add(new RawClient("127.0.0.1", port.address()).send("GET / HTTP/1.1\r\n"));
        await().until(() -> port.port.openConnections() == CAP);
      }
      for (RawClient c : slow.subList(3, slow.size())) {
        assertThat(c.closedByServer()).isFalse();
      }
    } finally {
      for (RawClient c : slow) {
        c.close();
      }
    }
    assertThat(port.metrics()).contains("t_http_connections_closed_total{port=\"test\",reason=\"displaced\"} 3.0");
  }
}
