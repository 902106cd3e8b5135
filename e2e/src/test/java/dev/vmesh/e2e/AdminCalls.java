package dev.vmesh.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Calls to a server's admin HTTP API on 127.0.0.1 as the e2e tests make them: the admin token as a
 * bearer token (when there is one yet), YAML bodies, 20 s at most per call.
 */
final class AdminCalls {
  private AdminCalls() {}

  /** {@code method path} with {@code yaml} as the body (null: none); throws when the server is unreachable. */
  static HttpResponse<String> request(HttpClient http, int port, String token, String method, String path,
      String yaml) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .method(method, yaml == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(yaml));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (yaml != null) {
      b.header("Content-Type", "application/yaml");
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A GET that answers 599 when the server cannot be reached (it may be down on purpose). */
  static HttpResponse<String> getOr599(HttpClient http, int port, String token, String path)
      throws InterruptedException {
    try {
      return request(http, port, token, "GET", path, null);
    } catch (IOException e) {
      return new FakeResponse(599);
    }
  }
}
