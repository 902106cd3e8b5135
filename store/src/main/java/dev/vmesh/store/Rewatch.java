package dev.vmesh.store;

import dev.vmesh.api.time.Timer;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Rewatch} starts a controller's store watch again after the store ended it (a {@link Watcher}
 * closed with {@link StoreException.Expired}, a Kubernetes relist), and keeps trying while the store
 * refuses (etcd away at that moment, say): without it, one failed restart would leave the controller
 * following nothing for good. Tries at once, then after 0.5 s, doubling to 30 s, until the watch
 * starts or the controller stops.
 */
public final class Rewatch {
  private static final Logger LOG = LoggerFactory.getLogger(Rewatch.class);
  static final Duration FIRST_RETRY = Duration.ofMillis(500);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private Rewatch() {}

  /**
   * Runs {@code start} (which opens the watch and throws {@link StoreException} when it cannot) until it
   * succeeds or {@code stopped} is true; {@code what} names the watch in logs.
   */
  public static void start(String what, Timer timer, BooleanSupplier stopped, Runnable start) {
    attempt(what, timer, stopped, start, FIRST_RETRY);
  }

  private static void attempt(String what, Timer timer, BooleanSupplier stopped, Runnable start, Duration next) {
    if (stopped.getAsBoolean()) {
      return;
    }
    try {
      start.run();
    } catch (RuntimeException e) { // a StoreException as a rule; anything else must not end the retries either
      LOG.warn("event=watch_restart_failed watch=\"{}\" error=\"{}\" retry_in={}", what,
          e instanceof StoreException ? e.getMessage() : e.toString(), next);
      Duration after = next.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : next.multipliedBy(2);
      timer.schedule(() -> attempt(what, timer, stopped, start, after), next);
    }
  }
}
