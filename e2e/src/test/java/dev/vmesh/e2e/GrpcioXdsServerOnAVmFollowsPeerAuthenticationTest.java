package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario of {@link XdsServerOnAVmFollowsPeerAuthenticationTest} with gRPC C-core as the xDS-enabled
 * server: grpcio's {@code grpc.server(..., xds=True)} with xDS server credentials
 * ({@code src/test/python/xds_server.py}), the agent's bootstrap in {@code GRPC_XDS_BOOTSTRAP}, listening on the
 * VM's address. PERMISSIVE with {@code tlsMode: istio} and STRICT take only mTLS (the server sees the caller's
 * SPIFFE id), DISABLE only plain text. Skipped only when python3 is missing.
 */
class GrpcioXdsServerOnAVmFollowsPeerAuthenticationTest {
  @TempDir
  Path tmp;

  @Test
  void cCoresXdsServerFollowsPeerAuthenticationToo() throws Exception {
    XdsClientProgram.install(XdsClientProgram.Kind.GRPCIO);
    Path log = tmp.resolve("xds_server.log");
    EchoVm.Backend grpcio = (config, port) -> {
      ProcessBuilder pb = new ProcessBuilder(XdsClientProgram.TEST_DIR.resolve("python/.venv/bin/python").toString(),
          "-u", XdsClientProgram.TEST_DIR.resolve("python/xds_server.py").toString(), "127.0.0.2:" + port)
          .redirectError(log.toFile());
      pb.environment().put("GRPC_XDS_BOOTSTRAP", config.paths().grpcBootstrap().toString());
      Process p = pb.start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = CompletableFuture.supplyAsync(() -> {
        try {
          return out.readLine();
        } catch (IOException e) {
          return e.toString();
        }
      }).get(60, TimeUnit.SECONDS);
      assertThat(first).as(() -> "the grpcio server started; its log:\n" + read(log)).isEqualTo("ready");
      return () -> {
        p.destroy();
        try {
          if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      };
    };
    try {
      XdsServerOnAVmFollowsPeerAuthenticationTest.passesMtlsAndPlainTextAsPeerAuthenticationSays(tmp, grpcio);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\ngrpcio server log:\n" + read(log), e);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
