package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code XdsServerProgram} runs an xDS-enabled gRPC server of another runtime as the app of an {@link EchoVm}:
 * grpcio's {@code python/xds_server.py} or grpc-js's {@code node/xds_server.js}, each given the agent's
 * bootstrap in {@code GRPC_XDS_BOOTSTRAP} and {@code 127.0.0.2:PORT} to listen on, each printing "ready" once
 * it serves; standard error goes to a log file for failure messages.
 */
final class XdsServerProgram {
  private XdsServerProgram() {}

  /**
   * The backend that runs {@code command} plus the listening address with {@code env} added to its
   * environment, its standard error in {@code log}.
   */
  static EchoVm.Backend backend(Path log, List<String> command, Map<String, String> env) {
    return (config, port) -> {
      List<String> cmd = new ArrayList<>(command);
      cmd.add("127.0.0.2:" + port);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
      pb.environment().putAll(env);
      pb.environment().put("GRPC_XDS_BOOTSTRAP", config.paths().grpcBootstrap().toString());
      Process p = pb.start();
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first;
      try {
        first = CompletableFuture.supplyAsync(() -> {
          try {
            return out.readLine();
          } catch (IOException e) {
            return e.toString();
          }
        }).get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        p.destroyForcibly();
        throw new AssertionError("the xDS server did not serve within 60 s; its log:\n" + read(log), e);
      }
      assertThat(first).as(() -> "the xDS server started; its log:\n" + read(log)).isEqualTo("ready");
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
  }

  /** The scenario of {@link XdsServerOnAVmFollowsPeerAuthenticationTest} with {@code command} as the server. */
  static void passesMtlsAndPlainTextAsPeerAuthenticationSays(Path tmp, String name, List<String> command,
      Map<String, String> env) throws Exception {
    Path log = tmp.resolve(name.replace(' ', '-') + ".log");
    try {
      XdsServerOnAVmFollowsPeerAuthenticationTest.passesMtlsAndPlainTextAsPeerAuthenticationSays(tmp,
          backend(log, command, env));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + name + " log:\n" + read(log), e);
    }
  }

  static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
