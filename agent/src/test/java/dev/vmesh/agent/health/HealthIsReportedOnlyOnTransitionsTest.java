package dev.vmesh.agent.health;

import dev.vmesh.api.time.ManualTimer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.ReadinessProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first report waits for a threshold, later reports only mark changes, and results that flap below
 * a threshold are never reported. Checks run inline on the manual timer's thread.
 */
class HealthIsReportedOnlyOnTransitionsTest {
  static final Duration PERIOD = Duration.ofSeconds(10);

  final ManualTimer time = new ManualTimer();
  final ScriptedCheck check = new ScriptedCheck(time);
  final List<Health> reports = new ArrayList<>();
  Prober prober;

  /** Starts a prober (period 10 s, no initial delay) and runs its first check. */
  void start(int successThreshold, int failureThreshold) {
    ReadinessProbe probe = new ReadinessProbe(0, 0, 10, successThreshold, failureThreshold, null,
        new ReadinessProbe.TcpSocket("", 1), null, null);
    prober = new Prober(probe, check, time, Runnable::run, reports::add);
    prober.start();
    time.advance(Duration.ZERO);
  }

  /** Runs {@code n} more checks. */
  void next(int n) {
    for (int i = 0; i < n; i++) {
      time.advance(PERIOD);
    }
  }

  @AfterEach
  void close() {
    prober.close();
  }

  @Test
  void healthyIsFirstReportedAfterSuccessThresholdPassesInARow() {
    check.pass(3);
    start(3, 1);
    next(1);
    assertThat(check.runs()).isEqualTo(2);
    assertThat(reports).isEmpty();
    assertThat(prober.current()).isNull();

    next(1);
    assertThat(reports).containsExactly(Health.ok());
    assertThat(prober.current()).isEqualTo(Health.ok());
  }

  @Test
  void unsetFailureThresholdMeansThreeFailuresBeforeTheFirstReport() {
    check.fail("refused 1", "refused 2", "refused 3");
    start(0, 0);
    next(1);
    assertThat(reports).isEmpty();
    assertThat(prober.current()).isNull();

    next(1);
    assertThat(reports).containsExactly(Health.failed("refused 3"));
    assertThat(prober.current().message()).isEqualTo("refused 3");
  }

  @Test
  void repeatedStatesAreNotReportedAgainEvenWithANewMessage() {
    check.pass(3).fail("down", "still down", "down again", "down differently");
    start(1, 1);
    next(6);
    assertThat(check.runs()).isEqualTo(7);
    assertThat(reports).containsExactly(Health.ok(), Health.failed("down"));
    assertThat(prober.current()).isEqualTo(Health.failed("down"));
    assertThat(prober.stats()).isEqualTo(new Prober.Stats(7, 4, 2, 0));
  }

  @Test
  void flappingBelowBothThresholdsNeverProducesAFirstReport() {
    check.pass(1).fail(1).pass(1).fail(1).pass(1).fail(1);
    start(2, 2);
    next(5);
    assertThat(check.runs()).isEqualTo(6);
    assertThat(reports).isEmpty();
    assertThat(prober.current()).isNull();
    assertThat(prober.stats().transitions()).isZero();
  }

  @Test
  void failuresBelowTheThresholdDoNotTakeAHealthyWorkloadOut() {
    check.pass(1).fail(2).pass(1).fail(2).pass(1).fail("a", "b", "c");
    start(1, 3);
    next(7);
    assertThat(reports).containsExactly(Health.ok());

    next(2);
    assertThat(reports).containsExactly(Health.ok(), Health.failed("c"));
  }

  @Test
  void recoveryNeedsSuccessThresholdPassesInARow() {
    check.fail(1).pass(1).fail(1).pass(1).pass(1);
    start(2, 1);
    assertThat(reports).containsExactly(Health.failed("failure 1"));

    next(3);
    assertThat(reports).hasSize(1);
    next(1);
    assertThat(reports).containsExactly(Health.failed("failure 1"), Health.ok());
    assertThat(prober.stats()).isEqualTo(new Prober.Stats(5, 2, 2, 0));
  }

  @Test
  void aCheckThatThrowsCountsAsAFailure() {
    check.thenThrow(new IllegalStateException("boom"));
    start(1, 1);
    assertThat(reports).containsExactly(Health.failed("probe failed: boom"));
    assertThat(prober.stats().probesFailed()).isEqualTo(1);

    next(1);
    assertThat(reports).containsExactly(Health.failed("probe failed: boom"), Health.ok());
  }
}
