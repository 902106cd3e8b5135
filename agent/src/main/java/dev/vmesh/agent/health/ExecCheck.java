package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ExecCheck} runs a command (directly, not through a shell) and passes when it exits 0 within the
 * timeout. Standard input is closed; standard output and error are read as they come, so a chatty
 * command never blocks on a full pipe, and the first {@value #OUTPUT_LIMIT} bytes go into the failure
 * message. A command still running at the timeout is killed together with its child processes.
 *
 * <p>A command that leaves a background process holding its output open costs one reader thread until
 * that process exits; the check itself does not wait for it.
 */
public final class ExecCheck implements Check {
  /** How much of the command's output a failure message quotes. */
  public static final int OUTPUT_LIMIT = 1024;

  private final List<String> command;

  public ExecCheck(ReadinessProbe.Exec exec) {
    if (exec.command().isEmpty()) {
      throw new IllegalArgumentException("readinessProbe.exec.command: must name a program to run");
    }
    this.command = exec.command();
  }

  @Override
  public Health run(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String what = "command " + command;
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException | RuntimeException e) {
      return Health.failed(what + " could not start: " + Checks.describe(e));
    }
    Output output = new Output(process.getInputStream());
    Thread.ofPlatform().daemon().name("vmesh-probe-exec-" + process.pid()).start(output);
    try {
      process.getOutputStream().close();
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        killTree(process);
        return Health.failed(what + " timed out after " + Checks.seconds(timeout) + output.quote());
      }
      int code = process.exitValue();
      if (code == 0) {
        return Health.ok();
      }
      // the output is in the pipe by now; give the reader the rest of the budget to pick it up
      output.awaitEnd(Math.max(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(50)));
      return Health.failed(what + " exited with " + code + output.quote());
    } catch (IOException e) {
      killTree(process);
      return Health.failed(what + " failed: " + Checks.describe(e));
    } catch (InterruptedException e) {
      killTree(process);
      Thread.currentThread().interrupt();
      return Health.failed(what + " was interrupted");
    }
  }

  private static void killTree(Process process) {
    // list the children first: once the parent is gone they are re-parented and no longer found
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
  }

  /** Drains a stream to its end, keeping the first {@link #OUTPUT_LIMIT} bytes. */
  private static final class Output implements Runnable {
    private final InputStream in;
    private final byte[] head = new byte[OUTPUT_LIMIT];
    private final CountDownLatch ended = new CountDownLatch(1);
    private int length;
    private boolean truncated;

    Output(InputStream in) {
      this.in = in;
    }

    @Override
    public void run() {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          synchronized (this) {
            int keep = Math.min(n, head.length - length);
            System.arraycopy(buffer, 0, head, length, keep);
            length += keep;
            truncated |= keep < n;
          }
        }
      } catch (IOException e) {
        // the process is gone or was killed; what was read is all there is
      } finally {
        ended.countDown();
      }
    }

    void awaitEnd(long nanos) throws InterruptedException {
      ended.await(nanos, TimeUnit.NANOSECONDS);
    }

    /** ": <output>" for a message, or empty when there was none. */
    synchronized String quote() {
      String text = new String(head, 0, length, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "" : ": " + text + (truncated ? " [...]" : "");
    }
  }
}
