package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code Commands} runs the machine's own programs for the e2e tests that build network namespaces: a
 * command and its output, the same inside a namespace or as the unprivileged user nobody, an HTTP GET with
 * curl, and the command line that runs vmesh's fat jar. Every command is given {@link #TIMEOUT_SECONDS}; one
 * still running then is killed and counts as failed (exit -1), with what it printed so far.
 */
final class Commands {
  /** How long one command may run. */
  static final long TIMEOUT_SECONDS = 60;
  /** The uid and gid of nobody: an ordinary user, whose traffic the capture rules take. */
  static final int NOBODY = 65534;

  /** A finished command: its exit status (-1 when it was killed) and its stdout and stderr, interleaved. */
  record Result(int exit, String out) {}

  /** An HTTP answer: its status (0 when there was none) and its body. */
  record Http(int code, String body) {}

  private Commands() {}

  /** Runs {@code cmd} and waits for it. */
  static Result run(String... cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("vmesh-e2e-cmd", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      boolean done = p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!done) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  /** Starts {@code cmd} in the background, its stdout and stderr in {@code log}; the caller stops it. */
  static Process background(Path log, String... cmd) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Runs {@code cmd} and fails the test, with its output, unless it exits 0. */
  static void must(String... cmd) throws IOException, InterruptedException {
    Result r = run(cmd);
    assertThat(r.exit()).as(String.join(" ", cmd) + ": " + r.out()).isZero();
  }

  /** {@code cmd} run inside network namespace {@code netns}. */
  static String[] inNetns(String netns, String... cmd) {
    return concat(List.of("ip", "netns", "exec", netns), cmd);
  }

  /** {@code cmd} run as nobody, with no supplementary groups. */
  static String[] asNobody(String... cmd) {
    return concat(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"), cmd);
  }

  /** GET {@code http://hostPortPath} from inside {@code netns} (10 s at most). */
  static Http curl(String netns, String hostPortPath) throws IOException, InterruptedException {
    Result r = run(inNetns(netns, "curl", "-s", "-m", "10", "-w", "\n%{http_code}", "http://" + hostPortPath));
    int nl = r.out().lastIndexOf('\n');
    String code = r.out().substring(nl + 1).strip();
    return new Http(code.matches("[0-9]{3}") ? Integer.parseInt(code) : 0, nl < 0 ? "" : r.out().substring(0, nl));
  }

  /** The command line running vmesh from {@code jar} with {@code args}, on this JVM's Java, heap capped. */
  static List<String> vmesh(Path jar, String... args) {
    assertThat(VmeshProcess.JAR).as("the fat jar (./mvnw package builds dist before e2e)").exists();
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** {@link #vmesh(Path, String...)} from the build's fat jar. */
  static List<String> vmesh(String... args) {
    return vmesh(VmeshProcess.JAR, args);
  }

  /** Skips the test unless it runs as root and every program in {@code programs} is on the PATH. */
  static void assumeRootWith(String... programs) throws IOException, InterruptedException {
    assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root"), "needs root for network namespaces");
    String check = String.join(" && ", List.of(programs).stream().map(p -> "command -v " + p).toList());
    assumeTrue(run("sh", "-c", check).exit() == 0, "needs " + String.join(", ", programs));
  }

  /** The last {@code max} characters of {@code dir/name.log}, headed by its name, or nothing without it. */
  static String logTail(Path dir, String name, int max) {
    try {
      String s = Files.readString(dir.resolve(name + ".log"));
      return "\n--- " + name + " log (last " + max + " chars):\n" + s.substring(Math.max(0, s.length() - max));
    } catch (IOException e) {
      return "";
    }
  }

  /** Kills each process and its descendants, and waits for it. */
  static void killAll(List<Process> processes) throws InterruptedException {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static String[] concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all.toArray(String[]::new);
  }
}
