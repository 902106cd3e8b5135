package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vmesh token create -o FILE} writes the token itself, mode 0600 from the moment the file exists
 * (no shell redirection that leaves it readable by others), and prints only the id and a whole-second
 * expiry; {@code token list} shows expiries to the second too. The server is a stand-in answering the
 * admin API's token calls.
 */
class TokenCreateWritesItsFileForItsOwnerOnlyTest {
  @TempDir
  Path dir;
  HttpServer server;
  final AtomicReference<String> request = new AtomicReference<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/admin/tokens", exchange -> {
      request.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      String body = exchange.getRequestMethod().equals("POST")
          ? "{\"token\": \"vmesh-bootstrap.secret\", \"id\": \"t-1\", \"expires\": \"2030-01-02T03:04:05.123456789Z\"}"
          : "[{\"id\": \"t-1\", \"namespace\": \"vm\", \"serviceAccount\": \"my-vm\","
              + " \"expires\": \"2030-01-02T03:04:05.123456789Z\", \"singleUse\": true}]";
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void theTokenGoesToTheFileWithMode0600AndNotToStandardOutput() throws IOException {
    Path file = dir.resolve("secrets/my-vm.token");

    Cli r = Cli.run("token", "create", "-n", "vm", "-s", "my-vm", "--ttl", "30m", "--single-use", "-o",
        file.toString(), "--server", url(), "--token", "admin");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(Files.readString(file)).isEqualTo("vmesh-bootstrap.secret\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).contains("token id t-1 written to " + file + " (mode 0600), expires 2030-01-02T03:04:05Z");
    assertThat(request.get()).containsPattern("\"ttlSeconds\" ?: ?1800").containsPattern("\"singleUse\" ?: ?true")
        .containsPattern("\"serviceAccount\" ?: ?\"my-vm\"");
  }

  @Test
  void withoutOutputTheTokenIsPrintedAndTheListShowsWholeSeconds() {
    Cli created = Cli.run("token", "create", "-n", "vm", "-s", "my-vm", "--server", url(), "--token", "admin");
    Cli list = Cli.run("token", "list", "--server", url(), "--token", "admin");

    assertThat(created.out()).isEqualTo("vmesh-bootstrap.secret\n");
    assertThat(list.out()).containsPattern("t-1 +vm +my-vm +2030-01-02T03:04:05Z +single-use")
        .doesNotContain(".123456789");
  }
}
