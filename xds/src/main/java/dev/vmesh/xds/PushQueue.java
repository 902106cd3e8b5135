package dev.vmesh.xds;

import dev.vmesh.registry.ServiceKey;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@code PushQueue} debounces registry changes: a batch is released after {@code quiet} without new
 * changes, or {@code max} after its first change, whichever comes first. Changes keep accumulating
 * into one set (never a queue of events), so memory is bounded by the number of services.
 */
final class PushQueue {
  /** What accumulated. */
  record Batch(Set<ServiceKey> services, boolean nameTable, boolean full, long firstNanos) {}

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

  private Set<ServiceKey> services = new HashSet<>();
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

  synchronized void add(Set<ServiceKey> changed, boolean names, boolean everything) {
    long now = nanoTime.getAsLong();
    if (services.isEmpty() && !nameTable && !full) {
      firstNanos = now;
    }
    services.addAll(changed);
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
      batch = new Batch(services, nameTable, full, firstNanos);
      services = new HashSet<>();
      nameTable = false;
      full = false;
      scheduled = false;
    }
    fire.accept(batch);
  }
}
