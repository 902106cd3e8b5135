package dev.vmesh.store.etcd;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import dev.vmesh.store.Watcher;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.OptionsUtil;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EtcdWatch} is one {@link dev.vmesh.store.ConfigStore#watch} on etcd. It remembers the objects
 * its listener has been told about and the last revision it has seen, so that:
 *
 * <ul>
 *   <li>when the connection to etcd is lost, it watches again from the next revision (with backoff),
 *       and the listener sees every change exactly once;
 *   <li>when etcd has meanwhile compacted that revision away, it lists the current state and tells the
 *       listener the difference (ADDED and MODIFIED at the objects' revisions, then DELETED at the
 *       list's revision): no change is lost, none is told twice, and changes that came and went while
 *       it was away are coalesced, as a Kubernetes informer's relist does.
 * </ul>
 *
 * <p>A watch from a past version first lists that version (so a compacted one fails at once with
 * {@link StoreException.Expired}, as the SPI says), then replays from etcd's history. Events reach the
 * listener through a {@link Watcher}, on its own thread, in revision order.
 *
 * <p>Locking: {@code lock} guards the state; jetcd's watcher is never opened or closed while it is
 * held, because jetcd calls {@link #onError} under its own lock.
 */
final class EtcdWatch implements Watch {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

  private final String name;
  private final WatchOptions options;
  private final io.etcd.jetcd.Watch etcd;
  private final KeyLayout keys;
  private final Snapshots snapshots;
  private final Runnable unavailable;
  private final ScheduledExecutorService timers;
  private final Consumer<EtcdWatch> onClosed;
  private final ByteSequence prefix;
  private final Watcher delivery;

  private final Object lock = new Object();
  // Guarded by lock.
  /** The objects the listener has been (or is being) told about, as last told. */
  private final Map<ResourceKey, Resource> known = new HashMap<>();
  /** Every change up to this revision is in {@code known} and queued for the listener. */
  private long revision;
  /** Bumped whenever the etcd watcher is replaced; callbacks of older ones are ignored. */
  private long generation;
  private io.etcd.jetcd.Watch.Watcher current;
  private int failures;
  private boolean closed;

  EtcdWatch(String name, WatchOptions options, WatchListener listener, io.etcd.jetcd.Watch etcd, KeyLayout keys,
      Snapshots snapshots, ScheduledExecutorService timers, Consumer<EtcdWatch> onClosed, Runnable unavailable) {
    this.unavailable = unavailable;
    this.name = name;
    this.options = options;
    this.etcd = etcd;
    this.keys = keys;
    this.snapshots = snapshots;
    this.timers = timers;
    this.onClosed = onClosed;
    this.prefix = keys.range(options.kinds(), options.namespace());
    this.delivery = new Watcher(options, listener, EtcdConfigStore.WATCH_QUEUE_CAPACITY, w -> stopFromDelivery());
  }

  /** Lists the starting state (throwing if it cannot), starts delivery and the etcd watcher. */
  void start() {
    boolean fromCurrentState = options.startsFromCurrentState();
    long since = fromCurrentState ? 0 : parseVersion(options.sinceResourceVersion());
    Snapshots.Snapshot start;
    try {
      // etcd's first revision is 1 and holds nothing, so "since 0" starts from an empty state there
      start = snapshots.read(prefix, fromCurrentState ? 0 : Math.max(since, 1), "starting a watch");
    } catch (StoreException.Expired e) {
      throw new StoreException.Expired("resourceVersion " + since + " is too old: etcd has compacted its history"
          + " past it; list and watch again");
    } catch (StoreException.Unavailable e) {
      if (e.getMessage().contains(EtcdCalls.FUTURE_REVISION)) {
        throw new StoreException(400, "resourceVersion " + since + " is newer than this store's current version");
      }
      throw e;
    }
    List<WatchEvent> initial = new ArrayList<>();
    synchronized (lock) {
      for (Resource r : start.objects()) {
        if (options.matches(r)) {
          known.put(r.key(), r);
          if (fromCurrentState) {
            initial.add(new WatchEvent(WatchEvent.Type.ADDED, r, r.resourceVersion()));
          }
        }
      }
      if (fromCurrentState) {
        initial.add(WatchEvent.synced(Long.toString(start.revision())));
      }
      revision = start.revision();
    }
    delivery.start(initial, name);
    follow();
  }

  /** Opens an etcd watcher from the revision after the last one seen. */
  private void follow() {
    long gen;
    long from;
    synchronized (lock) {
      if (closed) {
        return;
      }
      gen = ++generation;
      from = revision + 1;
    }
    WatchOption option = WatchOption.builder()
        .withRange(OptionsUtil.prefixEndOf(prefix))
        .withRevision(from)
        .withProgressNotify(true)
        .withCreateNotify(true)
        .build();
    io.etcd.jetcd.Watch.Watcher w;
    try {
      w = etcd.watch(prefix, option, io.etcd.jetcd.Watch.listener(r -> onNext(gen, r), t -> onError(gen, t),
          () -> onError(gen, new IllegalStateException("etcd ended the watch stream"))));
    } catch (RuntimeException e) {
      onError(gen, e); // the client is closed or broken: retried, or ended by close()
      return;
    }
    boolean stale;
    synchronized (lock) {
      stale = closed || gen != generation;
      if (!stale) {
        current = w;
      }
    }
    if (stale) {
      w.close();
    }
  }

  private void onNext(long gen, WatchResponse response) {
    synchronized (lock) {
      if (closed || gen != generation) {
        return;
      }
      if (failures > 0 && response.getEvents().isEmpty()) {
        LOG.info("event=etcd_watch_resumed watch={} revision={}", name, revision);
        failures = 0;
      }
      if (response.isProgressNotify()) {
        // every change up to the header's revision has been sent
        revision = Math.max(revision, response.getHeader().getRevision());
        return;
      }
      long seenBefore = revision;
      for (io.etcd.jetcd.watch.WatchEvent e : response.getEvents()) {
        KeyValue kv = e.getKeyValue();
        long rev = kv.getModRevision();
        if (rev <= seenBefore) {
          continue; // already told (a watcher restarted at an older revision)
        }
        revision = Math.max(revision, rev);
        Optional<ResourceKey> key = keys.parse(kv.getKey());
        if (key.isEmpty()) {
          continue;
        }
        switch (e.getEventType()) {
          case PUT -> StoredObjects.decode(kv).filter(options::matches).ifPresent(r -> {
            Resource before = known.put(r.key(), r);
            delivery.offer(new WatchEvent(before == null ? WatchEvent.Type.ADDED : WatchEvent.Type.MODIFIED, r,
                r.resourceVersion()));
          });
          case DELETE -> {
            Resource last = known.remove(key.get()); // absent: never told (not matching, or unreadable)
            if (last != null) {
              String rv = Long.toString(rev);
              delivery.offer(new WatchEvent(WatchEvent.Type.DELETED,
                  last.withMetadata(last.metadata().withResourceVersion(rv)), rv));
            }
          }
          default -> { }
        }
      }
    }
  }

  private void onError(long gen, Throwable t) {
    io.etcd.jetcd.Watch.Watcher broken;
    Duration backoff;
    synchronized (lock) {
      if (closed || gen != generation) {
        return;
      }
      generation++;
      broken = current;
      current = null;
      failures++;
      long millis = Math.min(MAX_BACKOFF.toMillis(), MIN_BACKOFF.toMillis() << Math.min(failures - 1, 10));
      backoff = Duration.ofMillis(millis);
      if (t instanceof CompactedException c) {
        LOG.warn("event=etcd_watch_compacted watch={} revision={} compactedRevision={} action=relist", name, revision,
            c.getCompactedRevision());
      } else if (failures == 1) {
        LOG.warn("event=etcd_watch_lost watch={} revision={} error=\"{}\" action=retry", name, revision,
            EtcdCalls.describe(t));
      }
    }
    boolean compacted = t instanceof CompactedException;
    if (!compacted && EtcdCalls.isUnavailable(t)) {
      unavailable.run(); // reconnect at the retry below, not at the end of gRPC's backoff
    }
    schedule(Duration.ZERO, () -> {
      if (broken != null) {
        broken.close();
      }
    });
    schedule(compacted ? Duration.ZERO : backoff, compacted ? this::relist : this::follow);
  }

  /** Lists the current state, tells the listener what differs from what it knows, and follows from there. */
  private void relist() {
    Snapshots.Snapshot now;
    try {
      now = snapshots.read(prefix, 0, "relisting after etcd compacted the watched history");
    } catch (StoreException e) {
      Duration backoff;
      synchronized (lock) {
        if (closed) {
          return;
        }
        failures++;
        backoff = Duration.ofMillis(Math.min(MAX_BACKOFF.toMillis(), MIN_BACKOFF.toMillis() << Math.min(failures, 10)));
      }
      LOG.warn("event=etcd_watch_relist_failed watch={} error=\"{}\" action=retry", name, e.getMessage());
      schedule(backoff, this::relist);
      return;
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      Map<ResourceKey, Resource> fresh = new HashMap<>();
      for (Resource r : now.objects()) {
        if (options.matches(r)) {
          fresh.put(r.key(), r);
        }
      }
      List<WatchEvent> changes = new ArrayList<>();
      for (Resource r : fresh.values()) {
        Resource before = known.get(r.key());
        if (before == null) {
          changes.add(new WatchEvent(WatchEvent.Type.ADDED, r, r.resourceVersion()));
        } else if (!before.resourceVersion().equals(r.resourceVersion())) {
          changes.add(new WatchEvent(WatchEvent.Type.MODIFIED, r, r.resourceVersion()));
        }
      }
      changes.sort(Comparator.comparingLong((WatchEvent e) -> Long.parseLong(e.resourceVersion()))
          .thenComparing(e -> e.object().key()));
      String listed = Long.toString(now.revision());
      known.values().stream().filter(r -> !fresh.containsKey(r.key())).sorted(Comparator.comparing(Resource::key))
          .forEach(r -> changes.add(new WatchEvent(WatchEvent.Type.DELETED,
              r.withMetadata(r.metadata().withResourceVersion(listed)), listed)));
      known.clear();
      known.putAll(fresh);
      revision = Math.max(revision, now.revision());
      changes.forEach(delivery::offer);
      LOG.info("event=etcd_watch_resynced watch={} revision={} changes={}", name, now.revision(), changes.size());
    }
    follow();
  }

  private void schedule(Duration delay, Runnable task) {
    try {
      timers.schedule(() -> Thread.ofVirtual().name(name + "-retry").start(task), delay.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the store is closing
    }
  }

  /** Ends the watch from the store's side; the listener's onClose gets {@code cause}. */
  void fail(StoreException cause) {
    stop();
    delivery.fail(cause);
  }

  @Override
  public void close() {
    stop();
    delivery.close();
  }

  /** The delivery ended (closed, or the listener fell too far behind): stop following etcd. */
  private void stopFromDelivery() {
    schedule(Duration.ZERO, this::stop);
  }

  private void stop() {
    io.etcd.jetcd.Watch.Watcher w;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      generation++;
      w = current;
      current = null;
    }
    if (w != null) {
      w.close();
    }
    onClosed.accept(this);
  }

  private static long parseVersion(String rv) {
    try {
      long v = Long.parseLong(rv);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new StoreException(400, "resourceVersion \"" + rv + "\" is not one of this store's versions");
    }
  }
}
