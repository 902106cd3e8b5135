package dev.vmesh.dns;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code TimeoutScheduler} runs upstream timeouts on a query's event loop. The default uses the event
 * loop's own timer; tests substitute one they fire by hand, so no test waits for a timeout to pass.
 */
interface TimeoutScheduler {
  /** A scheduled timeout that can be cancelled. */
  interface Handle {
    void cancel();
  }

  /** Runs {@code task} on {@code loop} after {@code delay}, unless cancelled first. */
  Handle schedule(EventLoop loop, Duration delay, Runnable task);

  /** The event loop's own timer. */
  TimeoutScheduler EVENT_LOOP = (loop, delay, task) -> {
    ScheduledFuture<?> f = loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  };
}
