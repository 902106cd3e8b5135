package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code Packages} finds the .deb and .rpm built by this module's {@code package} phase and runs the
 * system tools (dpkg-deb, rpm, sh, systemd-analyze) that inspect them.
 */
final class Packages {
  private static Path debRoot;
  private static Path debControl;

  private Packages() {}

  /** The built .deb, {@code dist/target/vmesh_<version>_all.deb}. */
  static Path deb() {
    return builtFile("vmesh.deb");
  }

  /** The built agent package, {@code dist/target/vmesh-agent_<version>_<arch>.deb}. */
  static Path agentDeb() {
    return builtFile("vmesh.agent.deb");
  }

  /** The agent's runnable jar, {@code agent-cli/target/vmesh-agent.jar}. */
  static Path agentJar() {
    return builtFile("vmesh.agent.jar");
  }

  /** The built .rpm, {@code dist/target/vmesh-<version>-1.noarch.rpm}. */
  static Path rpm() {
    return builtFile("vmesh.rpm");
  }

  /** The built agent .rpm, {@code dist/target/vmesh-agent-<version>-1.<arch>.rpm}. */
  static Path agentRpm() {
    return builtFile("vmesh.agent.rpm");
  }

  /** A file's SHA-256, as rpm --dump prints it. */
  static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The package version both packages carry, e.g. {@code 0.1.0~snapshot} for 0.1.0-SNAPSHOT. */
  static String version() {
    return property("vmesh.pkg.version");
  }

  /** The Maven version, which {@code vmesh --version} prints. */
  static String projectVersion() {
    return property("vmesh.project.version");
  }

  /** This module's directory ({@code dist}). */
  static Path moduleDir() {
    return Path.of(System.getProperty("basedir", "")).toAbsolutePath();
  }

  /** The shaded jar the packages must contain. */
  static Path shadedJar() {
    return moduleDir().resolve("target/vmesh.jar");
  }

  /** The .deb's files, unpacked once per test run with {@code dpkg-deb -x} under target/. */
  static synchronized Path debRoot() {
    if (debRoot == null) {
      requireTool("dpkg-deb", "install it with: apt-get install -y dpkg");
      Path dir = freshDir("it-deb-root");
      runOk(List.of("dpkg-deb", "-x", deb().toString(), dir.toString()));
      debRoot = dir;
    }
    return debRoot;
  }

  /** The .deb's control files (control, conffiles, maintainer scripts), from {@code dpkg-deb -e}. */
  static synchronized Path debControl() {
    if (debControl == null) {
      requireTool("dpkg-deb", "install it with: apt-get install -y dpkg");
      Path dir = freshDir("it-deb-control");
      runOk(List.of("dpkg-deb", "-e", deb().toString(), dir.toString()));
      debControl = dir;
    }
    return debControl;
  }

  /** Fails the test, naming the way to install {@code tool}, unless it is on PATH. */
  static void requireTool(String tool, String howToInstall) {
    if (!onPath(tool)) {
      fail(tool + " is not installed, and these tests check the packages with it; " + howToInstall
          + " (.ci/run does this on CI)");
    }
  }

  static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /**
   * A directory for PATH that holds only {@code tools}, each a script running the machine's own
   * (/usr/bin, else /bin), so that a test decides which other commands (java) a script can see.
   */
  static Path toolsOnly(Path dir, String... tools) throws IOException {
    Files.createDirectories(dir);
    for (String tool : tools) {
      Path real = Files.exists(Path.of("/usr/bin", tool)) ? Path.of("/usr/bin", tool) : Path.of("/bin", tool);
      Path wrapper = dir.resolve(tool);
      Files.writeString(wrapper, "#!/bin/sh\nexec " + real + " \"$@\"\n");
      Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    return dir;
  }

  /** What a finished command printed and returned. */
  record Result(int exit, String out, String err) {
    String both() {
      return out + err;
    }
  }

  static Result run(List<String> command) {
    return run(command, null);
  }

  /**
   * Runs {@code command}; with a non-null {@code env} the child gets exactly that environment instead of
   * this JVM's.
   */
  static Result run(List<String> command, Map<String, String> env) {
    return run(command, env, 2);
  }

  /** As above, failing the test when the command has not finished within {@code minutes}. */
  static Result run(List<String> command, Map<String, String> env, int minutes) {
    ProcessBuilder pb = new ProcessBuilder(command);
    if (env != null) {
      pb.environment().clear();
      pb.environment().putAll(env);
    }
    try {
      Process p = pb.start();
      p.getOutputStream().close();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      String out = read(p.getInputStream());
      if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail(String.join(" ", command) + " did not finish within " + minutes + " minutes");
      }
      return new Result(p.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Runs {@code command} and returns its standard output, failing the test unless it exits with 0. */
  static String runOk(List<String> command) {
    Result r = run(command);
    assertThat(r.exit()).as("%s exited with %d:%n%s", String.join(" ", command), r.exit(), r.both()).isZero();
    return r.out();
  }

  /** The directories and files below {@code root}, as absolute package paths ("/usr/bin/vmesh"). */
  static List<String> packagePaths(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(p -> !p.equals(root)).map(p -> "/" + root.relativize(p)).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The non-comment lines of a systemd unit, {@code key=value}, as key to values in order. */
  static Map<String, List<String>> unitDirectives(String unit) {
    Map<String, List<String>> directives = new HashMap<>();
    for (String line : unit.lines().map(String::strip).toList()) {
      int eq = line.indexOf('=');
      if (line.isEmpty() || line.startsWith("#") || line.startsWith("[") || eq < 0) {
        continue;
      }
      directives.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
    }
    return directives;
  }

  /** An empty directory under target/, for one test's scratch files. */
  static Path freshDir(String name) {
    Path dir = moduleDir().resolve("target").resolve(name);
    deleteTree(dir);
    try {
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path builtFile(String property) {
    Path file = Path.of(property(property));
    assertThat(file).as("%s (system property %s); the packages are built by `package`, so run"
        + " ./mvnw -pl dist -am verify", file, property).isRegularFile();
    return file;
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null || value.isBlank() || value.contains("${")) {
      fail("system property " + name + " is " + value + "; run these tests through maven-failsafe after the"
          + " jdeb and rpm executions of `package` (./mvnw -pl dist -am verify)");
    }
    return value;
  }

  private static String read(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
