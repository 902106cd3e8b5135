package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadSelector;
import dev.vmesh.controlplane.ServerOptions;
import dev.vmesh.controlplane.VmeshServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README's step 7 on loopback: two {@code vmesh demo serve} backends are the endpoints of a
 * ServiceEntry, and {@code vmesh demo call xds:///...} (grpc-java's xDS client against the server's
 * plaintext xDS port) gets both from the server and spreads its calls over them.
 */
class DemoCallReachesEveryEndpointThroughXdsTest {
  @TempDir
  Path tmp;
  final List<DemoCommand.Serve> backends = new ArrayList<>();

  @AfterEach
  void stop() {
    backends.forEach(b -> b.stop.complete(null));
    System.clearProperty("io.grpc.xds.bootstrapConfig");
  }

  @Test
  void callsReachBothBackends() throws Exception {
    int a = freePort();
    int b = freePort();
    serve("hello-a", a);
    serve("hello-b", b);
    try (VmeshServer server = VmeshServer.start(ServerOptions.local(tmp.resolve("data"),
        Files.createDirectories(tmp.resolve("config"))), Clock.systemUTC())) {
      assertThat(server.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      server.store().create(Resource.of(ObjectMeta.of("ns1", "hello"), new ServiceEntrySpec(
          List.of("hello.demo.internal"), List.of(), List.of(new ServicePort(80, "GRPC", "grpc", 0)),
          Location.MESH_INTERNAL, Resolution.STATIC, List.of(), new WorkloadSelector(Map.of("app", "hello")),
          List.of(), List.of())));
      for (int port : List.of(a, b)) {
        server.store().create(Resource.of(ObjectMeta.of("ns1", "hello-" + port).withLabels(Map.of("app", "hello")),
            new WorkloadEntrySpec("127.0.0.1", Map.of("grpc", port), Map.of(), "", "", 0, "")));
      }

      Cli r = Cli.run("demo", "call", "xds:///hello.demo.internal:80", "--xds-server", "127.0.0.1:"
          + server.xdsPort(0), "-n", "ns1", "--count", "8", "--interval", "0");

      assertThat(r.exit()).as(r.out() + r.err()).isZero();
      assertThat(r.out()).contains("\"NAMESPACE\": \"ns1\", \"GENERATOR\": \"grpc\"")
          .contains("hello from hello-a (127.0.0.1:" + a + "): call")
          .contains("hello from hello-b (127.0.0.1:" + b + "): call");
    }
  }

  @Test
  void aDirectCallToAnAddressThatDoesNotAnswerFailsWithTheStatus() throws IOException {
    Cli r = Cli.run("demo", "call", "127.0.0.1:" + freePort(), "--count", "1", "--timeout", "2s");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("1: failed: DEADLINE_EXCEEDED");
  }

  private void serve(String name, int port) {
    DemoCommand.Serve serve = new DemoCommand.Serve();
    backends.add(serve);
    CompletableFuture<String> started = new CompletableFuture<>();
    PrintWriter out = new PrintWriter(new Writer() {
      private final StringBuilder sb = new StringBuilder();

      @Override
      public void write(char[] c, int off, int len) {
        sb.append(c, off, len);
        if (sb.indexOf("serving") >= 0) {
          started.complete(sb.toString());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    }, true);
    CommandLine cl = new CommandLine(serve);
    cl.setOut(out);
    Thread.ofPlatform().daemon().start(() -> cl.execute("--listen", "127.0.0.1:" + port, "--name", name));
    started.orTimeout(30, TimeUnit.SECONDS).join();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
