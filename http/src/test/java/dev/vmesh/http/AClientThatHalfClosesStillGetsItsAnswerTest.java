package dev.vmesh.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client that shuts its sending side down after its request (as {@code nc -N} does) gets its answer and
 * then the connection is closed; one that half-closes with nothing or half a request sent is closed at
 * once, not held until a timeout. (Netty closed such connections at once, unanswered, until the
 * port allowed half-closure: the HTTP fuzz suite found it.)
 */
class AClientThatHalfClosesStillGetsItsAnswerTest {
  TestPort port;

  @BeforeEach
  void start() throws Exception {
    Duration never = Duration.ofMinutes(10); // no timer of the port ends a connection within the test
    port = new TestPort(HttpLimits.SERVER.withTimeouts(never, never, never, never), new HttpService() {
      @Override
      public HttpReply serve(HttpCall call) {
        return HttpReply.text(200, call.method() + " " + call.path() + " with " + call.body().length + " bytes\n");
      }

      @Override
      public HttpReply refused(int status, String reason, String message) {
        return HttpReply.text(status, reason + ": " + message + "\n");
      }
    });
  }

  @AfterEach
  void stop() {
    port.close();
  }

  @Test
  void aRequestFollowedByAHalfCloseIsAnsweredAndTheConnectionThenClosed() throws Exception {
    for (String connection : new String[] {"", "Connection: close\r\n"}) {
      try (RawClient c = new RawClient("127.0.0.1", port.address())) {
        c.send("POST /x HTTP/1.1\r\nHost: h\r\n" + connection + "Content-Length: 3\r\n\r\nabc").halfClose();
        await().atMost(Duration.ofSeconds(30)).until(c::closedByServer);
        assertThat(c.received()).startsWith("HTTP/1.1 200 OK").endsWith("POST /x with 3 bytes\n");
      }
    }
  }

  @Test
  void pipelinedRequestsBeforeTheHalfCloseAreAllAnswered() throws Exception {
    // the requests and the half-close often arrive in one read, while the first is being served: repeat
    for (int i = 0; i < 20; i++) {
      try (RawClient c = new RawClient("127.0.0.1", port.address())) {
        c.send("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok").halfClose();
        await().atMost(Duration.ofSeconds(30)).until(c::closedByServer);
        assertThat(c.received()).as("attempt %d", i).contains("GET /a with 0 bytes\n")
            .contains("GET /b with 0 bytes\n").endsWith("POST /c with 2 bytes\n");
      }
    }
  }

  @Test
  void aHalfCloseWithNothingOrHalfARequestSentClosesWithoutWaitingForATimeout() throws Exception {
    try (RawClient idle = new RawClient("127.0.0.1", port.address());
        RawClient headers = new RawClient("127.0.0.1", port.address());
        RawClient body = new RawClient("127.0.0.1", port.address())) {
      idle.halfClose();
      headers.send("GET /a HTTP/1.1\r\nHost: h\r\n").halfClose();
      body.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc").halfClose();
      await("idle closed").atMost(Duration.ofSeconds(30)).until(idle::closedByServer);
      await("half the headers closed").atMost(Duration.ofSeconds(30)).until(headers::closedByServer);
      await("half the body closed").atMost(Duration.ofSeconds(30)).until(body::closedByServer);
      assertThat(idle.received()).isEmpty();
      assertThat(body.received()).startsWith("HTTP/1.1 400 ").doesNotContain(" 200 ");
      assertThat(port.port.openConnections()).isZero();
    }
  }
}
