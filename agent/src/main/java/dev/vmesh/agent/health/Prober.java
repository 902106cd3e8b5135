package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.time.Timer;
import io.grpc.SynchronizationContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Prober} runs a WorkloadGroup's readiness probe on the VM and reports health transitions, as
 * istio-agent does. The first check runs {@code initialDelaySeconds} after {@link #start()}, then one runs
 * every {@code periodSeconds}. The first report comes once a threshold is reached: healthy after
 * {@code successThreshold} passes in a row, unhealthy after {@code failureThreshold} failures in a row
 * (3 when unset, see {@link ReadinessProbe#effectiveFailureThreshold()}); after that only changes are
 * reported.
 *
 * <p>Checks run on the probe executor, so a slow one never holds up the timer, and never two at once: a
 * tick that finds the previous check still running is skipped. {@code onTransition} is called with one
 * report at a time, in order, from the timer's or the probe executor's thread. State changes run on one
 * {@link SynchronizationContext}; {@link #current()} and {@link #stats()} may be read from any thread.
 */
public final class Prober implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Prober.class);

  /** Counters for metrics: checks completed, checks failed, reports sent, and ticks skipped by an overrun. */
  public record Stats(long probesRun, long probesFailed, long transitions, long ticksSkipped) {}

  private final Check check;
  private final Duration initialDelay;
  private final Duration period;
  private final Duration timeout;
  private final int successThreshold;
  private final int failureThreshold;
  private final Timer timer;
  private final Executor probeExecutor;
  private final Consumer<Health> onTransition;
  private final SynchronizationContext sync = new SynchronizationContext(
      (thread, e) -> LOG.error("event=prober_error error=\"{}\"", Checks.describe(e), e));
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile boolean closed;
  private volatile Health current;
  private volatile Stats stats = new Stats(0, 0, 0, 0);

  // only touched on sync
  private Timer.Handle nextTick;
  private boolean inFlight;
  private int passesInARow;
  private int failuresInARow;

  /**
   * A prober for {@code probe}. {@code defaultHost} is the host probes use when the probe names none (the
   * VM's first IP, or {@code localhost}).
   *
   * @throws IllegalArgumentException when the probe cannot be run (see {@link Check#of})
   */
  public Prober(ReadinessProbe probe, String defaultHost, Timer timer, Executor probeExecutor,
      Consumer<Health> onTransition) {
    this(probe, Check.of(probe, defaultHost), timer, probeExecutor, onTransition);
  }

  /** A prober running {@code check} with {@code probe}'s timing and thresholds. */
  Prober(ReadinessProbe probe, Check check, Timer timer, Executor probeExecutor, Consumer<Health> onTransition) {
    this.check = Objects.requireNonNull(check);
    this.initialDelay = Duration.ofSeconds(Math.max(0, probe.initialDelaySeconds()));
    this.period = Duration.ofSeconds(probe.effectivePeriodSeconds());
    this.timeout = Duration.ofSeconds(probe.effectiveTimeoutSeconds());
    this.successThreshold = probe.effectiveSuccessThreshold();
    this.failureThreshold = probe.effectiveFailureThreshold();
    this.timer = Objects.requireNonNull(timer);
    this.probeExecutor = Objects.requireNonNull(probeExecutor);
    this.onTransition = Objects.requireNonNull(onTransition);
  }

  /** Schedules the first check after the initial delay, and one every period after it. */
  public void start() {
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("prober already started");
    }
    sync.execute(() -> {
      if (!closed) {
        nextTick = timer.schedule(this::onTimer, initialDelay);
      }
    });
  }

  /** The last reported health, or null until a threshold was first reached. */
  public Health current() {
    return current;
  }

  public Stats stats() {
    return stats;
  }

  /** Stops scheduling checks and releases the check; a result still on its way is dropped. */
  @Override
  public void close() {
    closed = true;
    sync.execute(() -> {
      if (nextTick != null) {
        nextTick.cancel();
      }
    });
    check.close();
  }

  private void onTimer() {
    sync.execute(this::tick);
  }

  private void tick() {
    if (closed) {
      return;
    }
    nextTick = timer.schedule(this::onTimer, period);
    if (inFlight) {
      Stats s = stats;
      stats = new Stats(s.probesRun(), s.probesFailed(), s.transitions(), s.ticksSkipped() + 1);
      LOG.debug("event=probe_skipped reason=\"previous probe still running\"");
      return;
    }
    inFlight = true;
    try {
      probeExecutor.execute(this::probe);
    } catch (RejectedExecutionException e) {
      inFlight = false;
      LOG.warn("event=probe_not_run reason=\"executor refused the probe\" error=\"{}\"", Checks.describe(e));
    }
  }

  /** Runs on the probe executor. */
  private void probe() {
    Health result;
    try {
      result = Objects.requireNonNull(check.run(timeout), "check returned no result");
    } catch (RuntimeException e) {
      result = Health.failed("probe failed: " + Checks.describe(e));
    }
    Health done = result;
    sync.execute(() -> record(done));
  }

  private void record(Health result) {
    inFlight = false;
    if (closed) {
      return;
    }
    Stats s = stats;
    stats = new Stats(s.probesRun() + 1, s.probesFailed() + (result.healthy() ? 0 : 1), s.transitions(),
        s.ticksSkipped());
    Health reported = current;
    if (result.healthy()) {
      failuresInARow = 0;
      passesInARow++;
      if (passesInARow >= successThreshold && (reported == null || !reported.healthy())) {
        report(Health.ok());
      }
    } else {
      passesInARow = 0;
      failuresInARow++;
      LOG.debug("event=probe_failed failures_in_a_row={} message=\"{}\"", failuresInARow, result.message());
      if (failuresInARow >= failureThreshold && (reported == null || reported.healthy())) {
        report(result);
      }
    }
  }

  private void report(Health health) {
    current = health;
    Stats s = stats;
    stats = new Stats(s.probesRun(), s.probesFailed(), s.transitions() + 1, s.ticksSkipped());
    if (health.healthy()) {
      LOG.info("event=workload_healthy");
    } else {
      LOG.info("event=workload_unhealthy message=\"{}\"", health.message());
    }
    onTransition.accept(health);
  }
}
