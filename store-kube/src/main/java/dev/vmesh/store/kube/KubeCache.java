package dev.vmesh.store.kube;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.DecodeException;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.ListResult;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import dev.vmesh.store.Watcher;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code KubeCache} is the store's view of the cluster, fed by one informer per kind: the objects (as
 * vmesh resources and as the server sent them), the highest resourceVersion seen per kind, a bounded
 * history of the events for watches that resume from a version, and the running watches.
 *
 * <p>When an informer has to list again (its watch expired with 410 Gone, or was lost), the events in
 * between are unknown: every running watch of that kind is closed with {@link StoreException.Expired}
 * so its owner lists again, and no watch can resume from before the new list.
 */
final class KubeCache {
  private static final Logger LOG = LoggerFactory.getLogger(KubeCache.class);
  private static final AtomicLong WATCH_IDS = new AtomicLong();

  /** One object: decoded, and the server's JSON (the base of updates, keeping fields vmesh does not model). */
  record Entry(Resource resource, GenericKubernetesResource raw) {
    String resourceVersion() {
      return raw.getMetadata().getResourceVersion();
    }

    String uid() {
      return raw.getMetadata().getUid();
    }
  }

  private final int historyLimit;
  private final int watchQueueCapacity;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  /** The kinds each running watch follows (empty: all). */
  private final Map<Watcher, Set<Kind>> watchedKinds = new ConcurrentHashMap<>();

  // Guarded by lock.
  private final Map<Kind, NavigableMap<ResourceKey, Entry>> objects = new EnumMap<>(Kind.class);
  private final Map<Kind, Long> progress = new EnumMap<>(Kind.class);
  private final Set<Kind> synced = EnumSet.noneOf(Kind.class);
  private final Set<Kind> relisting = EnumSet.noneOf(Kind.class);
  private final Deque<WatchEvent> history = new ArrayDeque<>();
  private long revision;
  private long historyStart = Long.MAX_VALUE;
  private boolean closed;

  KubeCache(int historyLimit, int watchQueueCapacity) {
    this.historyLimit = historyLimit;
    this.watchQueueCapacity = watchQueueCapacity;
    for (Kind k : Kind.values()) {
      objects.put(k, new TreeMap<>());
      progress.put(k, 0L);
    }
  }

  // ---- informer side

  /** An informer starts a list; {@code lastResourceVersion} is null the first time, else it lists again. */
  void listing(Kind kind, String lastResourceVersion) {
    if (lastResourceVersion == null) {
      return;
    }
    lock.lock();
    try {
      relisting.add(kind);
      history.clear();
      historyStart = Long.MAX_VALUE;
    } finally {
      lock.unlock();
    }
    LOG.warn("event=kube_relist kind={} lastResourceVersion={} note=\"watch expired or was lost; open watches are"
        + " closed so their owners list again\"", kind.plural(), lastResourceVersion);
    for (Watcher w : watchers) {
      Set<Kind> kinds = watchedKinds.getOrDefault(w, Set.of());
      if (kinds.isEmpty() || kinds.contains(kind)) {
        w.fail(new StoreException.Expired("the Kubernetes watch of " + kind.plural() + " expired (410 Gone) or was"
            + " lost after resourceVersion " + lastResourceVersion + "; list and watch again"));
      }
    }
  }

  /** An informer finished a list at {@code resourceVersion}; its kind's content is current. */
  void listed(Kind kind, String resourceVersion) {
    lock.lock();
    try {
      long rv = parse(resourceVersion);
      progress.put(kind, Math.max(progress.get(kind), rv));
      revision = Math.max(revision, rv);
      synced.add(kind);
      relisting.remove(kind);
      if (relisting.isEmpty() && historyStart == Long.MAX_VALUE && synced.size() == Kind.values().length) {
        historyStart = revision;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void upsert(Kind kind, GenericKubernetesResource raw) {
    Resource decoded;
    try {
      decoded = KubeObjects.toResource(raw);
    } catch (DecodeException | IllegalArgumentException e) {
      LOG.error("event=kube_object_unreadable kind={} object={}/{} resourceVersion={} note=\"ignored; vmesh keeps"
          + " its last readable version\" error={}", kind.kindName(), raw.getMetadata().getNamespace(),
          raw.getMetadata().getName(), raw.getMetadata().getResourceVersion(), e.getMessage().replace('\n', ' '));
      advance(kind, raw.getMetadata().getResourceVersion());
      return;
    }
    lock.lock();
    try {
      Entry previous = objects.get(kind).put(decoded.key(), new Entry(decoded, raw));
      if (previous != null && previous.resource().equals(decoded)) {
        advanceLocked(kind, decoded.resourceVersion());
        return;
      }
      record(kind, new WatchEvent(previous == null ? WatchEvent.Type.ADDED : WatchEvent.Type.MODIFIED, decoded,
          decoded.resourceVersion()));
    } finally {
      lock.unlock();
    }
  }

  void remove(Kind kind, GenericKubernetesResource raw) {
    ResourceKey key = new ResourceKey(kind, raw.getMetadata().getNamespace(), raw.getMetadata().getName());
    lock.lock();
    try {
      Entry previous = objects.get(kind).remove(key);
      if (previous == null) {
        advanceLocked(kind, raw.getMetadata().getResourceVersion());
        return;
      }
      String rv = raw.getMetadata().getResourceVersion();
      Resource last = previous.resource().withMetadata(previous.resource().metadata().withResourceVersion(rv));
      record(kind, new WatchEvent(WatchEvent.Type.DELETED, last, rv));
    } finally {
      lock.unlock();
    }
  }

  private void record(Kind kind, WatchEvent event) {
    advanceLocked(kind, event.resourceVersion());
    if (historyStart != Long.MAX_VALUE) {
      history.addLast(event);
      while (history.size() > historyLimit) {
        historyStart = parse(history.removeFirst().resourceVersion());
      }
    }
    for (Watcher w : watchers) {
      w.offer(event);
    }
  }

  private void advance(Kind kind, String resourceVersion) {
    lock.lock();
    try {
      advanceLocked(kind, resourceVersion);
    } finally {
      lock.unlock();
    }
  }

  private void advanceLocked(Kind kind, String resourceVersion) {
    long rv = parse(resourceVersion);
    progress.put(kind, Math.max(progress.get(kind), rv));
    revision = Math.max(revision, rv);
    changed.signalAll();
  }

  // ---- store side

  boolean isSynced() {
    lock.lock();
    try {
      return synced.size() == Kind.values().length;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every kind has been listed once. */
  boolean awaitSynced(Duration timeout) {
    return await(() -> synced.size() == Kind.values().length, timeout);
  }

  Optional<Entry> entry(ResourceKey key) {
    lock.lock();
    try {
      return Optional.ofNullable(objects.get(key.kind()).get(key));
    } finally {
      lock.unlock();
    }
  }

  ListResult list(ListOptions o) {
    lock.lock();
    try {
      List<Resource> out = new ArrayList<>();
      for (Kind k : Kind.values()) {
        if (o.kind() != null && o.kind() != k) {
          continue;
        }
        NavigableMap<ResourceKey, Entry> m = objects.get(k);
        var scan = o.namespace() == null ? m.values()
            : m.subMap(new ResourceKey(k, o.namespace(), ""), true, new ResourceKey(k, o.namespace() + "\0", ""),
                false).values();
        for (Entry e : scan) {
          if (o.matches(e.resource())) {
            out.add(e.resource());
          }
        }
      }
      return new ListResult(out, Long.toString(revision));
    } finally {
      lock.unlock();
    }
  }

  Watch watch(WatchOptions o, WatchListener listener) {
    Watcher w = new Watcher(o, listener, watchQueueCapacity, closed -> {
      watchers.remove(closed);
      watchedKinds.remove(closed);
    });
    List<WatchEvent> initial = new ArrayList<>();
    lock.lock();
    try {
      if (closed) {
        throw new StoreException.Unavailable("store is closed", null);
      }
      if (o.startsFromCurrentState()) {
        for (NavigableMap<ResourceKey, Entry> m : objects.values()) {
          for (Entry e : m.values()) {
            if (o.matches(e.resource())) {
              initial.add(new WatchEvent(WatchEvent.Type.ADDED, e.resource(), e.resource().resourceVersion()));
            }
          }
        }
        initial.add(WatchEvent.synced(Long.toString(revision)));
      } else {
        long since = parseVersion(o.sinceResourceVersion());
        if (since < historyStart) {
          throw new StoreException.Expired("resourceVersion " + since + " is too old: "
              + (historyStart == Long.MAX_VALUE ? "the Kubernetes watch is being relisted"
                  : "this server's history of Kubernetes events starts after " + historyStart)
              + "; list and watch again");
        }
        for (WatchEvent e : history) {
          if (parse(e.resourceVersion()) > since && o.matches(e.object())) {
            initial.add(e);
          }
        }
      }
      watchedKinds.put(w, o.kinds());
      watchers.add(w);
    } finally {
      lock.unlock();
    }
    w.start(initial, "kube-watch-" + WATCH_IDS.incrementAndGet());
    return w;
  }

  /**
   * Waits until the informer of {@code kind} has seen {@code resourceVersion} (so a read after a write
   * sees it); false if {@code timeout} passed first.
   */
  boolean awaitSeen(Kind kind, String resourceVersion, Duration timeout) {
    long rv = parse(resourceVersion);
    return await(() -> progress.get(kind) >= rv, timeout);
  }

  /** Waits until the object {@code key} with {@code uid} is gone from the cache. */
  boolean awaitGone(ResourceKey key, String uid, Duration timeout) {
    return await(() -> {
      Entry e = objects.get(key.kind()).get(key);
      return e == null || !e.uid().equals(uid);
    }, timeout);
  }

  private boolean await(BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return false;
        }
        changed.await(left, TimeUnit.NANOSECONDS);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    for (Watcher w : watchers) {
      w.fail(new StoreException.Unavailable("store closed", null));
    }
  }

  /** Kubernetes resourceVersions are etcd revisions: decimal integers that grow with every write. */
  private static long parse(String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static long parseVersion(String rv) {
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      throw new StoreException(400, "resourceVersion \"" + rv + "\" is not one of this store's versions");
    }
  }
}
