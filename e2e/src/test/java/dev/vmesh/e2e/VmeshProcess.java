package dev.vmesh.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** {@code bin/vmesh}'s jar run as a real process, its output in a log file shown when a test fails. */
final class VmeshProcess implements AutoCloseable {
  static final Path JAR = Path.of("../dist/target/vmesh.jar").toAbsolutePath().normalize();

  final String name;
  final List<String> args;
  final Path log;
  private final List<String> jvmOptions = new ArrayList<>();
  private final List<String> wrapper = new ArrayList<>();
  private Path jar = JAR;
  private Process process;

  VmeshProcess(String name, Path logDir, String... args) {
    this.name = name;
    this.args = List.of(args);
    this.log = logDir.resolve(name + ".log");
  }

  /** Adds JVM options (before {@code -jar}), e.g. {@code -Djdk.net.hosts.file=...}; call before {@link #start()}. */
  VmeshProcess jvmOptions(String... options) {
    jvmOptions.addAll(List.of(options));
    return this;
  }

  /**
   * Runs java under {@code command} (e.g. {@code setpriv --reuid=65534 ... --}) and from a copy of the jar
   * in {@code dir}, which the user it runs as can read; call before {@link #start()}.
   */
  VmeshProcess wrappedIn(Path dir, String... command) throws IOException {
    wrapper.addAll(List.of(command));
    jar = Files.copy(JAR, dir.resolve("vmesh.jar"), StandardCopyOption.REPLACE_EXISTING);
    return this;
  }

  VmeshProcess start() throws IOException {
    assertThat(JAR).as("the fat jar; build it with ./mvnw package (the reactor builds dist before e2e)")
        .exists();
    List<String> cmd = new ArrayList<>(wrapper);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(args);
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    return this;
  }

  /** SIGTERM, and wait for a clean exit. */
  int stop() throws InterruptedException {
    process.destroy();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(name + " exits after SIGTERM; log:\n" + output()).isTrue();
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hooks, no goodbyes. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Waits for the process to end by itself and returns its exit code; fails if it is still running. */
  int waitForExit(Duration timeout) throws InterruptedException {
    assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)).as(name + " exits; log:\n" + output())
        .isTrue();
    return process.exitValue();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  String output() {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (isAlive()) {
      kill();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
