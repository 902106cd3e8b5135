package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,500 levels of YAML nesting and a symbolic link loop under --config when the server starts, and deep
 * nesting in an admin API request: the server starts, reports each on /debug/config_errors and in
 * vmesh_config_files_with_errors, answers the request with the error, and still applies later edits.
 */
class HostileConfigIsAnErrorAtEveryEntryPointTest {
  private static final String DEEP = "[".repeat(1500) + "]".repeat(1500);

  @TempDir
  Path tmp;

  private static String entry(String name, String labels) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: ns1}
        spec: {address: 10.0.0.1, labels: %s}
        """.formatted(name, labels);
  }

  private static void write(Path file, String text) throws Exception {
    Path tmp = file.resolveSibling("." + file.getFileName());
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Test
  void theServerStartsReportsEachAndKeepsFollowingTheDirectory() throws Exception {
    Path config = Files.createDirectories(tmp.resolve("config"));
    write(config.resolve("good.yaml"), entry("a", "{app: a}"));
    write(config.resolve("deep.yaml"), entry("b", DEEP));
    Files.createDirectories(config.resolve("sub"));
    Files.createSymbolicLink(config.resolve("sub/loop"), config);
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"), config), Clock.systemUTC());
        HttpClient http = HttpClient.newHttpClient()) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      int port = server.httpAddress().getPort();
      assertThat(server.store().get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "a"))).isPresent();
      String errors = AdminCalls.request(http, port, null, "GET", "/debug/config_errors", null).body();
      assertThat(errors).contains("\"file\" : \"deep.yaml\"").contains("nest deeper than 64 levels")
          .contains("\"file\" : \"sub/loop\"").contains("symbolic link loop");
      assertThat(AdminCalls.request(http, port, null, "GET", "/metrics", null).body())
          .contains("vmesh_config_files_with_errors 2.0");

      HttpResponse<String> refused = AdminCalls.request(http, port, server.adminToken(), "POST",
          "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries", entry("c", DEEP));
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.body()).contains("\"message\" : \"the body could not be read\"")
          .contains("nest deeper than 64 levels");

      write(config.resolve("deep.yaml"), entry("b", "{app: b}"));
      await().atMost(Duration.ofSeconds(10)).until(() ->
          server.store().get(new ResourceKey(Kind.WORKLOAD_ENTRY, "ns1", "b")).isPresent());
      await().atMost(Duration.ofSeconds(10)).until(() -> AdminCalls.request(http, port, null, "GET", "/metrics", null)
          .body().contains("vmesh_config_files_with_errors 1.0"));
    }
  }
}
