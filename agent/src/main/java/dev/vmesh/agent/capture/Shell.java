package dev.vmesh.agent.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code Shell} runs the netfilter tools, each command after {@code prefix} (empty on a VM; tests use
 * {@code ip netns exec NAME} so the machine's own rules are never touched). A command that fails throws
 * with the command line and its output; one that does not answer in 30 s is killed.
 */
public class Shell {
  static final long TIMEOUT_SECONDS = 30;
  private final List<String> prefix;

  public Shell(List<String> prefix) {
    this.prefix = List.copyOf(prefix);
  }

  /** Runs {@code cmd} with {@code stdin} (or none) and returns its standard output. */
  public String run(List<String> cmd, String stdin) throws IOException {
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(cmd);
    Process p = new ProcessBuilder(argv).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    // stderr on its own thread, so that neither pipe can fill up while the other is read
    var errText = new CompletableFuture<String>();
    Thread.ofVirtual().start(() -> {
      try {
        errText.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      } catch (IOException e) {
        errText.complete("");
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = errText.join();
    try {
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", argv) + ": no answer within " + TIMEOUT_SECONDS + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + String.join(" ", argv), e);
    }
    if (p.exitValue() != 0) {
      String msg = (err + " " + out.strip()).strip();
      throw new IOException(String.join(" ", argv) + " failed (exit " + p.exitValue() + "): " + msg
          + (msg.contains("Permission denied") || msg.contains("Operation not permitted")
          ? "; installing capture rules needs root or CAP_NET_ADMIN (the vmesh-agent unit runs"
              + " 'vmesh agent iptables' as root)" : ""));
    }
    return out;
  }

  /** Whether {@code tool} is an executable on the PATH (or the usual sbin directories). */
  public static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
