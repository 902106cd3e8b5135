package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.time.Timer;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EntryCleaner} removes what disconnected VMs left behind: a grace-period check after each
 * disconnect, a sweep every ten grace periods (which also catches entries of replicas that died, and
 * entries "connected" for longer than 1.5 times the maximum connection age: the server and the VM went
 * down together), and deletions limited to a rate. Auto-registered entries (those auto-registration made:
 * {@link GroupEntries#autoRegistered}) are deleted (with their resourceVersion as precondition, so a
 * reconnect in between wins); manual, health-checked entries only lose their {@code Healthy} condition,
 * and any other entry is never touched.
 *
 * <p>Queued entries are cleaned by a task on the timer, after the checks that were due with it, so a
 * burst of disconnects is one batch. The entries the rate allows at one moment (up to
 * {@value #PARALLEL}) are cleaned at once on a small pool, so their deletions share the store's group
 * commits instead of waiting for one disk sync each; the timer thread waits for them before it takes
 * the next ones.
 */
final class EntryCleaner implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EntryCleaner.class);

  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final Clock clock;
  private final Timer timer;
  /** Most entries cleaned at once. */
  static final int PARALLEL = 32;

  private final Deque<ResourceKey> queue = new ArrayDeque<>();
  private final ExecutorService workers;
  private Timer.Handle sweepHandle;
  private Timer.Handle drainHandle;
  private double tokens;
  private Instant lastRefill;
  private boolean draining;
  private boolean closed;
  private volatile BooleanSupplier leading = () -> true;
  /** Since when VMs can reach this server; a disconnect from before counts its grace period from here. */
  private volatile Instant servingSince;

  EntryCleaner(ConfigStore store, AutoRegistrationOptions options, Clock clock, Timer timer) {
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.timer = timer;
    this.tokens = Math.max(1, options.cleanupsPerSecond());
    this.lastRefill = clock.instant();
    this.servingSince = clock.instant();
    AtomicInteger threads = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(8,
        r -> Thread.ofPlatform().daemon().name("workload-cleanup-" + threads.getAndIncrement()).unstarted(r));
  }

  void start() {
    scheduleSweep();
  }

  private synchronized void scheduleSweep() {
    if (!closed) {
      sweepHandle = timer.schedule(() -> {
        sweep();
        scheduleSweep();
      }, options.sweepInterval());
    }
  }

  void checkAfterGrace(ResourceKey entry) {
    timer.schedule(() -> check(entry), options.gracePeriod());
  }

  private void check(ResourceKey entry) {
    if (!closed) {
      store.get(entry).filter(this::shouldCleanup).ifPresent(r -> enqueue(entry));
    }
  }

  /**
   * VMs can reach this server from {@code at} on (its xDS port is listening): an entry disconnected
   * before that (from a server that stopped, or died) gets its full grace period from then, so the VMs
   * of a restarted server can come back before a sweep at start removes them.
   */
  void servingSince(Instant at) {
    servingSince = at;
  }

  /** Sweeps only while {@code leading} says so (one replica of several sharing a store). */
  void sweepOnlyWhen(BooleanSupplier leading) {
    this.leading = leading;
  }

  /** Looks at every WorkloadEntry and queues those whose time is up (on the leading replica). */
  void sweep() {
    if (!leading.getAsBoolean()) {
      return;
    }
    for (Resource we : store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()) {
      if (shouldCleanup(we)) {
        enqueue(we.key());
      }
    }
  }

  /**
   * Auto-registered entries, and manual entries under health checking that have a Healthy condition:
   * when still marked connected, only past 1.5 times the maximum connection age; otherwise once the
   * grace period since the recorded disconnect has passed (since this server began serving, for a
   * disconnect from before).
   */
  boolean shouldCleanup(Resource we) {
    var a = we.metadata().annotations();
    boolean auto = GroupEntries.autoRegistered(we);
    boolean healthChecked = !auto && a.containsKey(WellKnown.WORKLOAD_CONTROLLER)
        && we.status().condition(Condition.HEALTHY).isPresent();
    if (!auto && !healthChecked) {
      return false;
    }
    Instant now = clock.instant();
    Instant connectedAt = Entries.time(we, WellKnown.CONNECTED_AT);
    if (connectedAt != null) {
      Duration max = options.maxConnectionAge();
      return !max.isZero() && !max.isNegative()
          && Duration.between(connectedAt, now).compareTo(max.multipliedBy(3).dividedBy(2)) > 0;
    }
    Instant disconnectedAt = Entries.time(we, WellKnown.DISCONNECTED_AT);
    if (disconnectedAt == null) {
      return false;
    }
    Instant graceFrom = disconnectedAt.isBefore(servingSince) ? servingSince : disconnectedAt;
    return Duration.between(graceFrom, now).compareTo(options.gracePeriod()) >= 0;
  }

  /**
   * Deletes an entry at once (its identity no longer fits its group), if auto-registration made it for
   * {@code group}; an entry someone else made is never deleted.
   */
  void deleteNow(ResourceKey entry, String group) {
    Optional<Resource> current = store.get(entry).filter(we -> GroupEntries.ownedBy(we, group));
    if (current.isEmpty()) {
      return;
    }
    try {
      store.delete(entry, Preconditions.resourceVersion(current.get().resourceVersion()));
      LOG.info("event=workload_entry_removed entry={} reason=\"identity no longer fits the group\"", entry);
    } catch (StoreException.NotFound | StoreException.Conflict raced) {
      // gone or changed meanwhile: the next group event or sweep decides again
    }
  }

  /** What Kubernetes garbage collection does for an owner: delete the entries the group controls. */
  void deleteOwnedBy(Resource group) {
    for (Resource we : store.list(ListOptions.of(Kind.WORKLOAD_ENTRY, group.namespace())).items()) {
      boolean owned = we.metadata().ownerReferences().stream().anyMatch(o -> o.kind().equals(Kind.WORKLOAD_GROUP
          .kindName()) && o.name().equals(group.name()) && (o.uid().isEmpty() || o.uid().equals(group.metadata().uid())));
      if (owned) {
        try {
          store.delete(we.key(), Preconditions.resourceVersion(we.resourceVersion()));
          LOG.info("event=workload_entry_removed entry={} reason=\"group {} deleted\"", we.key(), group.name());
        } catch (StoreException.NotFound | StoreException.Conflict ignored) {
          // changed meanwhile; the sweep looks again
        }
      }
    }
  }

  private synchronized void enqueue(ResourceKey entry) {
    if (!queue.contains(entry)) {
      queue.add(entry);
    }
    if (!draining) {
      draining = true;
      drainHandle = timer.schedule(this::drain, Duration.ZERO); // after the checks already due: one batch
    }
  }

  /** Cleans as many queued entries as the rate allows, then comes back when the next token is due. */
  private void drain() {
    while (true) {
      List<ResourceKey> batch = new ArrayList<>();
      synchronized (this) {
        refill();
        if (queue.isEmpty() || closed) {
          draining = false;
          return;
        }
        if (tokens < 1) {
          long waitNanos = (long) ((1 - tokens) / options.cleanupsPerSecond() * 1e9);
          drainHandle = timer.schedule(this::drain, Duration.ofNanos(Math.max(1, waitNanos)));
          return;
        }
        while (tokens >= 1 && !queue.isEmpty() && batch.size() < PARALLEL) {
          tokens -= 1;
          batch.add(queue.poll());
        }
      }
      cleanupAll(batch);
    }
  }

  /** Cleans {@code batch} concurrently and returns when all are done. */
  private void cleanupAll(List<ResourceKey> batch) {
    if (batch.size() == 1) {
      cleanup(batch.get(0));
      return;
    }
    List<Future<?>> running = new ArrayList<>();
    try {
      for (ResourceKey key : batch) {
        running.add(workers.submit(() -> cleanup(key)));
      }
      for (Future<?> f : running) {
        f.get();
      }
    } catch (RejectedExecutionException closing) {
      // closed meanwhile: the next start's sweep finds what is left
    } catch (ExecutionException e) {
      LOG.warn("event=workload_cleanup_failed error={}", e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void refill() {
    Instant now = clock.instant();
    double seconds = Duration.between(lastRefill, now).toNanos() / 1e9;
    tokens = Math.min(Math.max(1, options.cleanupsPerSecond()), tokens + seconds * options.cleanupsPerSecond());
    lastRefill = now;
  }

  private void cleanup(ResourceKey key) {
    Optional<Resource> current = store.get(key);
    if (current.isEmpty() || !shouldCleanup(current.get())) {
      return; // reconnected, or already gone
    }
    Resource we = current.get();
    try {
      if (GroupEntries.autoRegistered(we)) {
        store.delete(key, Preconditions.resourceVersion(we.resourceVersion()));
        LOG.info("event=workload_entry_removed entry={} reason=\"disconnected longer than {}\"", key,
            options.gracePeriod());
      } else {
        List<Condition> conditions = new ArrayList<>(we.status().conditions());
        conditions.removeIf(c -> c.type().equals(Condition.HEALTHY));
        store.updateStatus(we.withStatus(we.status().withConditions(conditions)));
        LOG.info("event=workload_health_cleared entry={} reason=\"disconnected longer than {}\"", key,
            options.gracePeriod());
      }
    } catch (StoreException.NotFound | StoreException.Conflict raced) {
      // reconnected or changed meanwhile: a later check decides again
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (sweepHandle != null) {
      sweepHandle.cancel();
    }
    if (drainHandle != null) {
      drainHandle.cancel();
    }
    workers.shutdown();
  }
}
