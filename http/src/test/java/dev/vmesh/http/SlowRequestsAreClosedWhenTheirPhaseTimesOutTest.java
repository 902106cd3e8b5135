package dev.vmesh.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each phase of a request has its own timer (headers, body, idle between requests); one that runs out
 * closes the connection; so does a response the client does not read in time. Every test shortens only the timer it is about and leaves the others at an hour,
 * so that the close can only come from that timer.
 */
class SlowRequestsAreClosedWhenTheirPhaseTimesOutTest {
  static final Duration SHORT = Duration.ofMillis(300);
  static final Duration HOUR = Duration.ofHours(1);
  TestPort port;

  void start(Duration header, Duration body, Duration idle) throws Exception {
    port = new TestPort(HttpLimits.SERVER.withTimeouts(header, body, idle, HOUR),
        call -> HttpReply.text(200, "hello\n"));
  }

  @AfterEach
  void stop() {
    port.close();
  }

  @Test
  void headersThatTrickleInAreCutOffAtTheHeaderTimeout() throws Exception {
    start(SHORT, HOUR, HOUR);
    try (RawClient slow = new RawClient("127.0.0.1", port.address());
        RawClient silent = new RawClient("127.0.0.1", port.address())) {
      slow.send("GET / HTTP/1.1\r\nHost: x\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        slow.send("X-Slow: 1\r\n"); // still sending, never finishing
        return slow.closedByServer();
      });
      await().atMost(Duration.ofSeconds(10)).until(silent::closedByServer);
      assertThat(slow.received()).isEmpty();
    }
    assertThat(port.metrics()).contains("t_http_connections_closed_total{port=\"test\",reason=\"header_timeout\"} 2.0");
    await().until(() -> port.port.openConnections() == 0);
  }

  @Test
  void aRequestWhoseHeadersArriveInTimeIsAnswered() throws Exception {
    start(Duration.ofSeconds(30), HOUR, HOUR);
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.received().contains("hello"));
      assertThat(c.received()).startsWith("HTTP/1.1 200 OK");
      assertThat(c.closedByServer()).isFalse();
    }
  }

  @Test
  void aBodyThatStopsComingIsCutOffAtTheBodyTimeout() throws Exception {
    start(HOUR, SHORT, HOUR);
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
      await().atMost(Duration.ofSeconds(10)).until(c::closedByServer);
      assertThat(c.received()).isEmpty();
    }
    assertThat(port.metrics()).contains("t_http_connections_closed_total{port=\"test\",reason=\"body_timeout\"} 1.0");
  }

  @Test
  void aKeptAliveConnectionIsClosedAfterTheIdleTimeoutAndNotBefore() throws Exception {
    start(HOUR, HOUR, SHORT);
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.received().contains("hello"));
      await().atMost(Duration.ofSeconds(10)).until(c::closedByServer);
    }
    assertThat(port.metrics()).contains("t_http_connections_closed_total{port=\"test\",reason=\"idle_timeout\"} 1.0");
  }

  @Test
  void aClientThatDoesNotReadItsAnswerIsCutOffAtTheWriteTimeout() throws Exception {
    byte[] large = new byte[32 << 20]; // more than loopback's socket buffers hold
    port = new TestPort(HttpLimits.SERVER.withTimeouts(HOUR, HOUR, HOUR, SHORT),
        call -> new HttpReply(200, "application/octet-stream", large, List.of()));
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); // and never reads
      await().atMost(Duration.ofSeconds(10)).until(() -> port.port.openConnections() == 0);
    }
    assertThat(port.metrics()).contains("t_http_connections_closed_total{port=\"test\",reason=\"write_timeout\"} 1.0");
  }

  @Test
  void aSecondRequestOnAKeptAliveConnectionIsServed() throws Exception {
    start(HOUR, HOUR, HOUR);
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.received().contains("hello"));
      c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.received().split("hello").length == 3);
    }
  }
}
