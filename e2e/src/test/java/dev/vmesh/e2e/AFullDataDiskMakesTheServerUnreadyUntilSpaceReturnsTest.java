package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import dev.vmesh.store.SmallDisk;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's data directory on a disk that fills up (a small tmpfs): writes through the admin API are
 * refused with the reason, /ready and /metrics say the store cannot write, nothing refused is stored, and
 * the server takes writes and is ready again by itself once space returns.
 */
class AFullDataDiskMakesTheServerUnreadyUntilSpaceReturnsTest {
  private static final String PATH = "/apis/networking.istio.io/v1/namespaces/ns1/workloadentries";

  @TempDir
  Path tmp;

  private static String entry(String name) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %s, namespace: ns1, annotations: {pad: "%s"}}
        spec: {address: 10.0.0.1}
        """.formatted(name, "p".repeat(4000));
  }

  @Test
  void writesAreRefusedWithTheReasonTheServerIsUnreadyAndBothRecover() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 8);
        VmeshServer server = VmeshServer.start(ServerOptions.local(disk.dir().resolve("data"), null),
            Clock.systemUTC());
        HttpClient http = HttpClient.newHttpClient()) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      int port = server.httpAddress().getPort();
      String token = server.adminToken();
      assertThat(AdminCalls.request(http, port, token, "POST", PATH, entry("before")).statusCode()).isEqualTo(201);

      disk.fill();
      HttpResponse<String> refused = null;
      String refusedName = null;
      for (int i = 0; refused == null; i++) { // the WAL may have room for a few more pages
        assertThat(i).as("a write on the full disk failed").isLessThan(1000);
        HttpResponse<String> r = AdminCalls.request(http, port, token, "POST", PATH, entry("full-" + i));
        if (r.statusCode() != 201) {
          refused = r;
          refusedName = "full-" + i;
        }
      }
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(refused.body()).contains("the disk is full").contains("nothing of this write was stored");
      HttpResponse<String> ready = AdminCalls.request(http, port, null, "GET", "/ready", null);
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).startsWith("the store cannot write since ").contains("the disk is full");
      String metrics = AdminCalls.request(http, port, null, "GET", "/metrics", null).body();
      assertThat(metrics).contains("vmesh_store_writable 0.0").containsPattern("vmesh_store_write_failures_total [1-9]");

      disk.free();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() ->
          AdminCalls.request(http, port, null, "GET", "/ready", null).statusCode() == 200);
      assertThat(AdminCalls.request(http, port, null, "GET", "/metrics", null).body()).contains("vmesh_store_writable 1.0");
      assertThat(AdminCalls.request(http, port, token, "POST", PATH, entry("after")).statusCode()).isEqualTo(201);
      assertThat(AdminCalls.request(http, port, token, "GET", PATH + "/" + refusedName, null).statusCode())
          .as("the refused write was not stored").isEqualTo(404);
    }
  }
}
