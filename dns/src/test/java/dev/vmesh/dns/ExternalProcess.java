package dev.vmesh.dns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test helper: runs a real client program (dig, getent) and captures its output. */
record ExternalProcess(int exit, String out, String err) {
  /** Waits at most this long; only so that a broken test cannot hang the build. */
  static final long SAFETY_TIMEOUT_SECONDS = 60;

  static ExternalProcess run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile("vmesh-dns-test", ".out");
    Path err = Files.createTempFile("vmesh-dns-test", ".err");
    try {
      Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      if (!p.waitFor(SAFETY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(command + " did not finish");
      }
      return new ExternalProcess(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** True when {@code program} is on the PATH. */
  static boolean available(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
