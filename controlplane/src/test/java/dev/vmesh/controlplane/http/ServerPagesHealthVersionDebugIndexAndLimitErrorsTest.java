package dev.vmesh.controlplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small pages of 15014, and how the admin API reports a request a limit refused. */
class ServerPagesHealthVersionDebugIndexAndLimitErrorsTest {
  @TempDir
  Path tmp;
  VmeshServer server;
  final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), null), Clock.systemUTC());
    assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
  }

  @AfterEach
  void stop() {
    server.close();
    client.close();
  }

  HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpRequest.Builder at(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpAddress().getPort() + path));
  }

  @Test
  void livenessVersionAndReadinessAreOpenToAll() throws Exception {
    assertThat(send(at("/healthz")).body()).isEqualTo("ok\n");
    var version = send(at("/version"));
    assertThat(version.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(version.body()).contains("\"version\"", "\"java\"");
    assertThat(send(at("/ready")).body()).isEqualTo("ready\n");
  }

  @Test
  void theDebugIndexListsEveryDebugPageWithWhatItShows() throws Exception {
    var index = send(at("/debug"));
    assertThat(index.statusCode()).isEqualTo(200);
    assertThat(index.body()).contains("/debug/registryz", "/debug/configz", "/debug/config_errors", "/debug/syncz",
        "/debug/refusedz", "/debug/config_dump")
        .contains("each connected proxy");
    for (String line : index.body().lines().skip(1).toList()) {
      String page = line.trim().split("\\s+")[0];
      var r = send(at(page));
      if (line.contains("?proxy=")) { // needs a connected proxy's id; without one it says how to name it
        assertThat(r.statusCode()).as(page).isEqualTo(400);
        assertThat(r.body()).contains("name the proxy");
      } else {
        assertThat(r.statusCode()).as(page).isEqualTo(200);
      }
    }
  }

  @Test
  void anOversizedBodyIsAKubernetesStatusNamingTheLimit() throws Exception {
    var r = send(at("/apis/networking.istio.io/v1/namespaces/ns1/serviceentries")
        .header("Authorization", "Bearer " + server.adminToken()).header("Content-Type", "application/yaml")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[Http.MAX_BODY + 1])));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("\"kind\" : \"Status\"", "\"reason\" : \"RequestEntityTooLarge\"")
        .contains("the request body may be at most 8388608 bytes; this one is 8388609 bytes");
  }

  @Test
  void metricsShowTheHttpPortItself() throws Exception {
    send(at("/healthz"));
    assertThat(send(at("/metrics")).body()).contains("vmesh_http_connections{port=\"http\"}")
        .contains("vmesh_http_requests_total{code=\"200\",port=\"http\"}").contains("vmesh_leader 1.0");
  }
}
