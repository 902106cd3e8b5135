package dev.vmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.ReadinessProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Command probes with real processes. */
class ExecProbeTest {
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  static Health run(Duration timeout, String... command) {
    return new ExecCheck(new ReadinessProbe.Exec(List.of(command))).run(timeout);
  }

  @Test
  void exitZeroPasses() {
    assertThat(run(TIMEOUT, "true")).isEqualTo(Health.ok());
  }

  @Test
  void aNonZeroExitFailsWithTheCodeAndOutput() {
    assertThat(run(TIMEOUT, "false")).isEqualTo(Health.failed("command [false] exited with 1"));
    assertThat(run(TIMEOUT, "sh", "-c", "echo not ready; echo db down >&2; exit 3"))
        .isEqualTo(Health.failed("command [sh, -c, echo not ready; echo db down >&2; exit 3] exited with 3: "
            + "not ready\ndb down"));
  }

  @Test
  void theCommandIsNotRunThroughAShell() {
    // through a shell this would exit 0; run directly, false ignores its arguments
    assertThat(run(TIMEOUT, "false", "||", "true").healthy()).isFalse();
  }

  @Test
  void standardInputIsClosed() {
    // cat waits for input until its stdin ends
    assertThat(run(TIMEOUT, "cat")).isEqualTo(Health.ok());
  }

  @Test
  void aChattyCommandDoesNotFillThePipeAndHang() {
    assertThat(run(TIMEOUT, "sh", "-c", "yes | head -c 10000000")).isEqualTo(Health.ok());
  }

  @Test
  void onlyTheFirstKibibyteOfOutputIsQuoted() {
    Health health = run(TIMEOUT, "sh", "-c", "yes x | head -c 10000000; exit 2");
    assertThat(health.healthy()).isFalse();
    String prefix = "command [sh, -c, yes x | head -c 10000000; exit 2] exited with 2: ";
    assertThat(health.message()).startsWith(prefix + "x\nx\n").endsWith("x [...]");
    assertThat(health.message()).hasSize(prefix.length() + ExecCheck.OUTPUT_LIMIT - 1 + " [...]".length());
  }

  @Test
  void aCommandStillRunningAtTheTimeoutIsKilledWithItsChildren() throws IOException {
    Path pids = dir.resolve("pids");
    String script = "sleep 300 & echo $$ $! > " + pids + "; wait";
    Health health = run(Duration.ofSeconds(1), "sh", "-c", script);

    assertThat(health).isEqualTo(Health.failed("command [sh, -c, " + script + "] timed out after 1s"));
    String[] both = Files.readString(pids).trim().split(" ");
    assertThat(both).hasSize(2);
    for (String pid : both) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !running(pid));
    }
  }

  /** Whether the process exists and is not a zombie waiting to be reaped (Linux /proc). */
  static boolean running(String pid) throws IOException {
    Path stat = Path.of("/proc", pid, "stat");
    if (!Files.exists(stat)) {
      return false;
    }
    try {
      String s = Files.readString(stat);
      return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
    } catch (IOException gone) {
      return false;
    }
  }

  @Test
  void aMissingProgramFails() {
    Health health = run(TIMEOUT, "/nonexistent/vmesh-probe");
    assertThat(health.healthy()).isFalse();
    assertThat(health.message()).startsWith("command [/nonexistent/vmesh-probe] could not start: ");
  }
}
