package dev.vmesh.xds;

import dev.vmesh.api.time.Timer;
import dev.vmesh.registry.ServiceChange;
import dev.vmesh.registry.ServiceKey;
import dev.vmesh.registry.scope.SidecarChange;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * {@code PushQueue} debounces registry changes. A change that comes after {@code quiet} without any is
 * released at once: nothing suggests more are coming, and waiting would only add to its latency. A
 * change that follows another within {@code quiet} starts a batch, released after {@code quiet} without
 * new changes, or {@code max} after its first change, whichever comes first: bursts still go out as
 * one push. Changes keep accumulating into one change per service (never a queue of events): a service
 * changed twice in a batch is reported from its state before the first change to its state after the
 * last, so memory is bounded by the number of services.
 *
 * <p>Batches are released on the {@code timer}'s thread, one at a time. Thread-safe.
 */
final class PushQueue {
  /** What accumulated. */
  record Batch(Map<ServiceKey, ServiceChange> changes, boolean nameTable, boolean full, long firstNanos,
      SidecarChange sidecars) {}

  private final Timer timer;
  private final long quietNanos;
  private final long maxNanos;
  private final Consumer<Batch> fire;
  private final LongSupplier nanoTime;

  private Map<ServiceKey, ServiceChange> changes = new HashMap<>();
  private boolean nameTable;
  private boolean full;
  private SidecarChange sidecars = SidecarChange.NONE;
  /** When the first change of the pending batch came. */
  private long firstNanos;
  /** When the last change came; meaningless until {@link #anyChange}. */
  private long lastNanos;
  private boolean anyChange;
  private boolean scheduled;
  /** The scheduled release is a leading edge: it goes without waiting for quiet. */
  private boolean leading;

  PushQueue(Timer timer, Duration quiet, Duration max, Consumer<Batch> fire, LongSupplier nanoTime) {
    this.timer = timer;
    this.quietNanos = quiet.toNanos();
    this.maxNanos = Math.max(max.toNanos(), quiet.toNanos());
    this.fire = fire;
    this.nanoTime = nanoTime;
  }

  synchronized void add(Map<ServiceKey, ServiceChange> changed, boolean names, boolean everything) {
    add(changed, names, everything, SidecarChange.NONE);
  }

  /** As above, with a change of the Sidecars (folded into one from the first snapshot to the last). */
  synchronized void add(Map<ServiceKey, ServiceChange> changed, boolean names, boolean everything,
      SidecarChange scopes) {
    long now = nanoTime.getAsLong();
    boolean afterQuiet = !anyChange || now - lastNanos >= quietNanos;
    if (changes.isEmpty() && !nameTable && !full && sidecars.isEmpty()) {
      firstNanos = now;
    }
    sidecars = sidecars.then(scopes);
    changed.forEach((key, change) -> changes.merge(key, change, ServiceChange::then));
    nameTable |= names;
    full |= everything;
    lastNanos = now;
    anyChange = true;
    if (!scheduled) {
      scheduled = true;
      leading = afterQuiet;
      timer.schedule(this::tick, afterQuiet ? Duration.ZERO : Duration.ofNanos(quietNanos));
    }
  }

  private void tick() {
    Batch batch;
    synchronized (this) {
      if (!leading) {
        long now = nanoTime.getAsLong();
        long quietLeft = lastNanos + quietNanos - now;
        long maxLeft = firstNanos + maxNanos - now;
        if (quietLeft > 0 && maxLeft > 0) { // changes kept coming: wait, up to max
          timer.schedule(this::tick, Duration.ofNanos(Math.min(quietLeft, maxLeft)));
          return;
        }
      }
      batch = new Batch(changes, nameTable, full, firstNanos, sidecars);
      changes = new HashMap<>();
      sidecars = SidecarChange.NONE;
      nameTable = false;
      full = false;
      scheduled = false;
      leading = false;
    }
    fire.accept(batch);
  }
}
