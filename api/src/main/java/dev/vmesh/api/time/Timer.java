package dev.vmesh.api.time;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** {@code Timer} runs a task after a delay and can cancel it: a scheduled executor in production, a manual one in tests. */
public interface Timer {
  /** A scheduled task that can be cancelled. */
  interface Handle {
    void cancel();
  }

  Handle schedule(Runnable task, Duration delay);

  static Timer of(ScheduledExecutorService executor) {
    return (task, delay) -> {
      ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }
}
