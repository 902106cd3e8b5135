package dev.vmesh.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bodies over {@link HttpLimits#maxBodyBytes()} get 413, request lines over the limit 414, headers over it
 * 431, each with a message naming the limit; the client reads the answer rather than a reset.
 */
class OversizedRequestsAreAnsweredWithTheLimitTest {
  static final int MAX_BODY = 1024;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  TestPort port;

  @BeforeEach
  void start() throws Exception {
    port = new TestPort(HttpLimits.SERVER.withMaxBodyBytes(MAX_BODY), new HttpService() {
      @Override
      public HttpReply serve(HttpCall call) {
        return HttpReply.text(200, "got " + call.body().length + " bytes\n");
      }

      @Override
      public HttpReply refused(int status, String reason, String message) {
        return HttpReply.json(status, "{\"reason\": \"" + reason + "\", \"message\": \"" + message + "\"}\n");
      }
    });
  }

  @AfterEach
  void stop() {
    port.close();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port.address().getPort() + path);
  }

  @Test
  void aBodyAtTheLimitIsServed() throws Exception {
    var r = client.send(HttpRequest.newBuilder(uri("/")).POST(HttpRequest.BodyPublishers.ofByteArray(
        new byte[MAX_BODY])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("got 1024 bytes\n");
  }

  @Test
  void aLargeBodyWithItsLengthDeclaredGets413WithTheLimitInTheMessage() throws Exception {
    var r = client.send(HttpRequest.newBuilder(uri("/")).POST(HttpRequest.BodyPublishers.ofByteArray(
        new byte[4 * 1024 * 1024])).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(r.body()).contains("RequestEntityTooLarge")
        .contains("the request body may be at most 1024 bytes; this one is 4194304 bytes");
  }

  @Test
  void aChunkedBodyThatGrowsPastTheLimitGets413() throws Exception {
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
      String chunk = "x".repeat(600);
      c.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      c.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> c.received().contains("at most 1024 bytes"));
      assertThat(c.received()).startsWith("HTTP/1.1 413").contains("connection: close");
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        c.send("0\r\n\r\n");
        return c.closedByServer();
      });
    }
  }

  @Test
  void anOverlongRequestLineGets414AndOverlargeHeaders431() throws Exception {
    var longPath = client.send(HttpRequest.newBuilder(uri("/" + "p".repeat(10_000))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(longPath.statusCode()).isEqualTo(414);
    assertThat(longPath.body()).contains("request line is longer than 8192 bytes");

    var bigHeaders = client.send(HttpRequest.newBuilder(uri("/")).header("X-Big", "h".repeat(20_000)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(bigHeaders.statusCode()).isEqualTo(431);
    assertThat(bigHeaders.body()).contains("headers are larger than 16384 bytes");
  }

  @Test
  void garbageGets400AndTheConnectionEnds() throws Exception {
    try (RawClient c = new RawClient("127.0.0.1", port.address())) {
      c.send("\u0001\u0002 not http at all\r\n\r\n");
      await().atMost(Duration.ofSeconds(10)).until(c::closedByServer);
      assertThat(c.received()).startsWith("HTTP/1.1 400");
    }
  }
}
