package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A third-party proxyless gRPC client run as a process: grpcio (Python, gRPC C-core's xDS client) or
 * grpc-js with @grpc/grpc-js-xds (Node.js), each a small program under {@code src/test/python} and
 * {@code src/test/node} that calls {@code /vmesh.test.Echo/Who} on an {@code xds:///} target when told
 * to (see {@link Backends}). The clients are installed at pinned versions by
 * {@code src/test/install-xds-clients.sh} (which {@code .ci/run} also runs); a test is skipped only
 * when the runtime itself (python3, node) is missing.
 */
final class XdsClientProgram implements AutoCloseable {
  static final Path TEST_DIR = Path.of("src/test").toAbsolutePath();

  /** The two clients. */
  enum Kind {
    GRPCIO("python3", "python"), GRPC_JS("node", "node");

    final String runtime;
    final String dir;

    Kind(String runtime, String dir) {
      this.runtime = runtime;
      this.dir = dir;
    }
  }

  /** What one round of calls gave: who answered how often, how many calls failed and the first error. */
  record Round(Map<String, Integer> answers, int failed, String firstError) {
    static Round parse(String line) {
      // answers=A,B,... failed=K error=...
      String[] parts = line.split(" ", 3);
      assertThat(parts).as("a result line, not: " + line).hasSize(3);
      Map<String, Integer> answers = new TreeMap<>();
      String list = parts[0].substring("answers=".length());
      if (!list.isEmpty()) {
        for (String who : list.split(",")) {
          answers.merge(who, 1, Integer::sum);
        }
      }
      return new Round(answers, Integer.parseInt(parts[1].substring("failed=".length())),
          parts[2].substring("error=".length()));
    }
  }

  private final Kind kind;
  private final Process process;
  private final BufferedReader out;
  private final Writer in;
  private final Path log;

  private XdsClientProgram(Kind kind, Process process, Path log) {
    this.kind = kind;
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.in = process.outputWriter(StandardCharsets.UTF_8);
    this.log = log;
  }

  /** Skips the calling test unless {@code kind}'s runtime is installed; installs the pinned client. */
  static void install(Kind kind) throws IOException, InterruptedException {
    Assumptions.assumeTrue(onPath(kind.runtime), kind.runtime + " is not installed (install it, or run .ci/run, "
        + "to run the " + kind + " xDS client tests)");
    if (kind == Kind.GRPC_JS) {
      Assumptions.assumeTrue(onPath("npm"), "npm is not installed (it comes with Node.js; .ci/run installs it)");
    }
    Process p = new ProcessBuilder("bash", TEST_DIR.resolve("install-xds-clients.sh").toString(), kind.dir)
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(10, TimeUnit.MINUTES)).as("install-xds-clients.sh finishes").isTrue();
    assertThat(p.exitValue()).as("install-xds-clients.sh " + kind.dir + " failed:\n" + output).isZero();
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts the client with {@code bootstrap} as its xDS bootstrap, calling {@code target}; with
   * {@code xdsCredentials} its channel takes TLS settings from the clusters. Its standard error goes to
   * {@code logDir}.
   */
  static XdsClientProgram start(Kind kind, String target, Path bootstrap, boolean xdsCredentials, Path logDir)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    if (kind == Kind.GRPCIO) {
      cmd.addAll(List.of(TEST_DIR.resolve("python/.venv/bin/python").toString(), "-u",
          TEST_DIR.resolve("python/xds_client.py").toString()));
    } else {
      cmd.addAll(List.of("node", TEST_DIR.resolve("node/xds_client.js").toString()));
    }
    cmd.add(target);
    cmd.add(xdsCredentials ? "xds" : "plaintext");
    Path log = logDir.resolve(kind.name().toLowerCase() + "-" + System.nanoTime() + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(log.toFile());
    pb.environment().put("GRPC_XDS_BOOTSTRAP", bootstrap.toString());
    XdsClientProgram c = new XdsClientProgram(kind, pb.start(), log);
    assertThat(c.readLine()).as(kind + " client started").isEqualTo("ready");
    return c;
  }

  /** Makes {@code calls} calls, one after the other, and says who answered. */
  Round round(int calls) throws IOException {
    in.write(calls + "\n");
    in.flush();
    return Round.parse(readLine());
  }

  private String readLine() throws IOException {
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    try {
      String s = line.get(90, TimeUnit.SECONDS); // 30 calls of at most 5 s each, and start-up
      assertThat(s).as(kind + " client output ended; its log:\n" + log()).isNotNull();
      return s;
    } catch (Exception e) {
      throw new AssertionError(kind + " client did not answer: " + e + "; its log:\n" + log(), e);
    }
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
