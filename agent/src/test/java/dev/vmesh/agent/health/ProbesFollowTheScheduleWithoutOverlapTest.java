package dev.vmesh.agent.health;

import dev.vmesh.api.time.ManualTimer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.ReadinessProbe;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Checks start after the initial delay, repeat every period, run on the probe executor, never overlap,
 * get the probe's timeout, and stop with {@link Prober#close()}.
 */
class ProbesFollowTheScheduleWithoutOverlapTest {
  final ManualTimer time = new ManualTimer();
  final Instant t0 = time.instant();
  final ScriptedCheck check = new ScriptedCheck(time);
  final List<Health> reports = new ArrayList<>();

  static ReadinessProbe probe(int initialDelay, int timeout, int period, int failureThreshold) {
    return new ReadinessProbe(initialDelay, timeout, period, 1, failureThreshold, null,
        new ReadinessProbe.TcpSocket("", 1), null, null);
  }

  @Test
  void firstCheckAfterTheInitialDelayThenOneEveryPeriod() {
    try (Prober prober = new Prober(probe(5, 0, 7, 0), check, time, Runnable::run, reports::add)) {
      prober.start();
      time.advance(Duration.ofMillis(4999));
      assertThat(check.runs()).isZero();

      time.advance(Duration.ofMillis(1));
      assertThat(check.runTimes).containsExactly(t0.plusSeconds(5));

      time.advance(Duration.ofSeconds(20));
      assertThat(check.runTimes).containsExactly(t0.plusSeconds(5), t0.plusSeconds(12), t0.plusSeconds(19));
      assertThat(reports).containsExactly(Health.ok());
    }
  }

  @Test
  void unsetTimingMeansNoDelayTenSecondPeriodAndOneSecondTimeout() {
    try (Prober prober = new Prober(probe(0, 0, 0, 0), check, time, Runnable::run, reports::add)) {
      prober.start();
      time.advance(Duration.ZERO);
      assertThat(check.runTimes).containsExactly(t0);

      time.advance(Duration.ofSeconds(10));
      assertThat(check.runTimes).containsExactly(t0, t0.plusSeconds(10));
      assertThat(check.timeouts).containsOnly(Duration.ofSeconds(1));
    }
  }

  @Test
  void eachCheckGetsTheProbeTimeout() {
    try (Prober prober = new Prober(probe(0, 4, 0, 0), check, time, Runnable::run, reports::add)) {
      prober.start();
      time.advance(Duration.ofSeconds(10));
      assertThat(check.timeouts).containsExactly(Duration.ofSeconds(4), Duration.ofSeconds(4));
    }
  }

  @Test
  void checksRunOnTheProbeExecutorAndATickDuringACheckIsSkipped() {
    QueuedExecutor probeThread = new QueuedExecutor();
    check.fail(1);
    try (Prober prober = new Prober(probe(0, 0, 10, 1), check, time, probeThread, reports::add)) {
      prober.start();
      time.advance(Duration.ZERO);
      assertThat(probeThread.pending()).isEqualTo(1);
      assertThat(check.runs()).as("the timer only hands the check over").isZero();

      // the check overruns two periods: those ticks start nothing
      time.advance(Duration.ofSeconds(20));
      assertThat(probeThread.pending()).isEqualTo(1);
      assertThat(prober.stats().ticksSkipped()).isEqualTo(2);

      probeThread.runNext();
      assertThat(check.runTimes).containsExactly(t0.plusSeconds(20));
      assertThat(reports).containsExactly(Health.failed("failure 1"));

      time.advance(Duration.ofSeconds(10));
      assertThat(probeThread.pending()).isEqualTo(1);
      probeThread.runNext();
      assertThat(reports).containsExactly(Health.failed("failure 1"), Health.ok());
      assertThat(prober.stats()).isEqualTo(new Prober.Stats(2, 1, 2, 2));
    }
  }

  @Test
  void closeStopsTheScheduleAndReleasesTheCheck() {
    Prober prober = new Prober(probe(0, 0, 10, 0), check, time, Runnable::run, reports::add);
    prober.start();
    time.advance(Duration.ofSeconds(10));
    assertThat(check.runs()).isEqualTo(2);

    prober.close();
    assertThat(check.closed).isTrue();
    assertThat(time.nextDue()).as("pending tick cancelled").isNull();
    time.advance(Duration.ofHours(1));
    assertThat(check.runs()).isEqualTo(2);
  }

  @Test
  void aResultArrivingAfterCloseIsDropped() {
    QueuedExecutor probeThread = new QueuedExecutor();
    check.fail(1);
    Prober prober = new Prober(probe(0, 0, 10, 1), check, time, probeThread, reports::add);
    prober.start();
    time.advance(Duration.ZERO);
    prober.close();

    probeThread.runNext();
    assertThat(check.runs()).isEqualTo(1);
    assertThat(reports).isEmpty();
    assertThat(prober.current()).isNull();
    assertThat(prober.stats()).isEqualTo(new Prober.Stats(0, 0, 0, 0));
  }

  @Test
  void startingTwiceIsRefused() {
    try (Prober prober = new Prober(probe(0, 0, 0, 0), check, time, Runnable::run, reports::add)) {
      prober.start();
      assertThatThrownBy(prober::start).isInstanceOf(IllegalStateException.class);
      time.advance(Duration.ZERO);
      assertThat(check.runs()).isEqualTo(1);
    }
  }
}
