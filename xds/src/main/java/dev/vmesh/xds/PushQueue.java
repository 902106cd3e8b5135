package dev.vmesh.xds;

import dev.vmesh.registry.ServiceChange;
import dev.vmesh.registry.ServiceKey;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@code PushQueue} debounces registry changes: a batch is released after {@code quiet} without new
 * changes, or {@code max} after its first change, whichever comes first. Changes keep accumulating
 * into one change per service (never a queue of events): a service changed twice in a batch is
 * reported from its state before the first change to its state after the last, so memory is bounded
 * by the number of services.
 */
final class PushQueue {
  /** What accumulated. */
  record Batch(Map<ServiceKey, ServiceChange> changes, boolean nameTable, boolean full, long firstNanos) {}

  /** Runs a task after a delay: a scheduled executor in production, a manual one in tests. */
  interface Timer {
    void schedule(Runnable task, long delayNanos);

    static Timer of(ScheduledExecutorService executor) {
      return (task, delay) -> executor.schedule(task, delay, TimeUnit.NANOSECONDS);
    }
  }

  private final Timer timer;
  private final long quietNanos;
  private final long maxNanos;
  private final Consumer<Batch> fire;
  private final LongSupplier nanoTime;

  private Map<ServiceKey, ServiceChange> changes = new HashMap<>();
  private boolean nameTable;
  private boolean full;
  private long firstNanos;
  private long lastNanos;
  private boolean scheduled;

  PushQueue(Timer timer, Duration quiet, Duration max, Consumer<Batch> fire, LongSupplier nanoTime) {
    this.timer = timer;
    this.quietNanos = quiet.toNanos();
    this.maxNanos = Math.max(max.toNanos(), quiet.toNanos());
    this.fire = fire;
    this.nanoTime = nanoTime;
  }

  synchronized void add(Map<ServiceKey, ServiceChange> changed, boolean names, boolean everything) {
    long now = nanoTime.getAsLong();
    if (changes.isEmpty() && !nameTable && !full) {
      firstNanos = now;
    }
    changed.forEach((key, change) -> changes.merge(key, change, ServiceChange::then));
    nameTable |= names;
    full |= everything;
    lastNanos = now;
    if (!scheduled) {
      scheduled = true;
      timer.schedule(this::tick, quietNanos);
    }
  }

  private void tick() {
    Batch batch;
    synchronized (this) {
      long now = nanoTime.getAsLong();
      long quietLeft = lastNanos + quietNanos - now;
      long maxLeft = firstNanos + maxNanos - now;
      if (quietLeft > 0 && maxLeft > 0) {
        timer.schedule(this::tick, Math.min(quietLeft, maxLeft)); // changes kept coming: wait, up to max
        return;
      }
      batch = new Batch(changes, nameTable, full, firstNanos);
      changes = new HashMap<>();
      nameTable = false;
      full = false;
      scheduled = false;
    }
    fire.accept(batch);
  }
}
