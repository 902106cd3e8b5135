package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --workload-cleanup-rate} sets the deletion rate limit of auto-registered entries (Istio's 20/s by default). */
class WorkloadCleanupRateFlagReachesTheServerTest {

  private static ServerCommand parse(String... args) {
    ServerCommand c = new ServerCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void defaultIsIstiosTwentyPerSecond() {
    assertThat(parse().options().autoRegistration().cleanupsPerSecond()).isEqualTo(20);
  }

  @Test
  void theFlagSetsTheRate() {
    assertThat(parse("--workload-cleanup-rate", "500").options().autoRegistration().cleanupsPerSecond())
        .isEqualTo(500);
  }

  @Test
  void zeroIsRefusedWithTheFlagsName() {
    Cli r = Cli.run("server", "--workload-cleanup-rate", "0");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--workload-cleanup-rate 0.0 must be a positive number");
  }

  @Test
  void helpListsIt() {
    Cli r = Cli.run("server", "--help");
    assertThat(r.out()).contains("--workload-cleanup-rate=N").contains("VMESH_WORKLOAD_CLEANUP_RATE");
  }
}
