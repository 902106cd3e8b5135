package dev.vmesh.store;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code LocalConfigStore} holds all objects in this process's memory, versioned and watchable, and
 * optionally journals every change to disk before applying it (see {@link Journal}). It is the
 * in-memory store, the core of the embedded durable store, and the state behind the file store.
 *
 * <p>Writes go through {@link GroupCommit}: each is decided against the durable state, journaled
 * together with the writes that queued up during the previous disk sync, and returns once durable.
 * Readers take only the short state lock, never the journal's time, and see only durable changes.
 */
public final class LocalConfigStore implements ConfigStore {

  /** Tunables. */
  public record Options(boolean validate, int historyLimit, int watchQueueCapacity) {
    public static final Options DEFAULTS = new Options(true, 100_000, 200_000);

    public Options withValidate(boolean v) {
      return new Options(v, historyLimit, watchQueueCapacity);
    }
  }

  private static final AtomicLong WATCH_IDS = new AtomicLong();

  private final Clock clock;
  private final Journal journal;
  private final Options options;
  private final WriteChecks checks;
  private final Object stateLock = new Object();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
  private final GroupCommit commits;

  // Guarded by stateLock (written only by the leader of a group commit).
  private final Map<Kind, NavigableMap<ResourceKey, Resource>> objects = new EnumMap<>(Kind.class);
  private final Deque<WatchEvent> history = new ArrayDeque<>();
  private long revision;
  /** Events after this revision can be replayed. */
  private long historyStart;
  private boolean closed;

  /** A purely in-memory store. */
  public LocalConfigStore(Clock clock) {
    this(clock, Journal.NONE, Options.DEFAULTS);
  }

  /** A store whose state is loaded from, and whose changes go to, {@code journal}. */
  public LocalConfigStore(Clock clock, Journal journal, Options options) {
    this.clock = Objects.requireNonNull(clock);
    this.journal = Objects.requireNonNull(journal);
    this.options = options;
    this.checks = new WriteChecks(options.validate());
    for (Kind k : Kind.values()) {
      objects.put(k, new TreeMap<>());
    }
    Journal.Loaded loaded = journal.load(options.historyLimit());
    for (Resource r : loaded.objects()) {
      objects.get(r.kind()).put(r.key(), r);
    }
    history.addAll(loaded.history());
    revision = loaded.revision();
    commits = new GroupCommit(journal, revision, this::applyDurable);
    historyStart = history.isEmpty() ? revision : rev(history.peekFirst().resourceVersion()) - 1;
  }

  @Override
  public Optional<Resource> get(ResourceKey key) {
    synchronized (stateLock) {
      return Optional.ofNullable(objects.get(key.kind()).get(key));
    }
  }

  @Override
  public ListResult list(ListOptions o) {
    synchronized (stateLock) {
      List<Resource> out = new ArrayList<>();
      for (Kind k : Kind.values()) {
        if (o.kind() != null && o.kind() != k) {
          continue;
        }
        NavigableMap<ResourceKey, Resource> m = objects.get(k);
        Iterable<Resource> scan = o.namespace() == null ? m.values()
            : m.subMap(new ResourceKey(k, o.namespace(), ""), true, new ResourceKey(k, o.namespace() + "\0", ""),
                false).values();
        for (Resource r : scan) {
          if (o.matches(r)) {
            out.add(r);
          }
        }
      }
      return new ListResult(out, Long.toString(revision));
    }
  }

  /** Number of objects held, all kinds. */
  public int size() {
    synchronized (stateLock) {
      return objects.values().stream().mapToInt(Map::size).sum();
    }
  }

  /** Changes decided but not yet taken by a group commit (for tests). */
  int queuedChanges() {
    return commits.queuedChanges();
  }

  /** The current resourceVersion of the store. */
  public String resourceVersion() {
    synchronized (stateLock) {
      return Long.toString(revision);
    }
  }

  @Override
  public Resource create(Resource r) {
    checks.check(r);
    return write(r.key(), current -> {
      if (current != null) {
        throw new StoreException.AlreadyExists(r.key(), "");
      }
      ObjectMeta m = r.metadata()
          .withUid(UUID.randomUUID().toString())
          .withCreationTimestamp(clock.instant())
          .withGeneration(1);
      return r.withMetadata(m).withStatus(ResourceStatus.EMPTY);
    }, WatchEvent.Type.ADDED);
  }

  @Override
  public Resource update(Resource r) {
    checks.check(r);
    return write(r.key(), current -> {
      checkExistsAndVersion(r.key(), current, r.resourceVersion(), "");
      boolean specChanged = !current.spec().equals(r.spec());
      ObjectMeta m = r.metadata()
          .withUid(current.metadata().uid())
          .withCreationTimestamp(current.metadata().creationTimestamp())
          .withGeneration(current.metadata().generation() + (specChanged ? 1 : 0))
          .withResourceVersion(current.resourceVersion());
      Resource next = new Resource(r.apiVersion(), r.kind(), m, r.spec(), current.status());
      return next.equals(current) ? null : next;
    }, WatchEvent.Type.MODIFIED);
  }

  @Override
  public Resource updateStatus(Resource r) {
    return write(r.key(), current -> {
      checkExistsAndVersion(r.key(), current, r.resourceVersion(), "");
      return current.status().equals(r.status()) ? null : current.withStatus(r.status());
    }, WatchEvent.Type.MODIFIED);
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions pre) {
    return write(key, current -> {
      checkExistsAndVersion(key, current, pre.resourceVersion(), pre.uid());
      return current;
    }, WatchEvent.Type.DELETED);
  }

  @Override
  public Watch watch(WatchOptions o, WatchListener listener) {
    String name = "watch-" + WATCH_IDS.incrementAndGet();
    Watcher w = new Watcher(o, listener, options.watchQueueCapacity(), watchers::remove);
    List<WatchEvent> initial = new ArrayList<>();
    synchronized (stateLock) {
      if (closed) {
        throw new StoreException.Unavailable("store is closed", null);
      }
      if (o.startsFromCurrentState()) {
        for (NavigableMap<ResourceKey, Resource> m : objects.values()) {
          for (Resource r : m.values()) {
            if (o.matches(r)) {
              initial.add(new WatchEvent(WatchEvent.Type.ADDED, r, r.resourceVersion()));
            }
          }
        }
        initial.add(WatchEvent.synced(Long.toString(revision)));
      } else {
        long since = parseVersion(o.sinceResourceVersion());
        if (since < historyStart) {
          throw new StoreException.Expired("resourceVersion " + since + " is too old: history starts after "
              + historyStart + "; list and watch again");
        }
        for (WatchEvent e : history) {
          if (rev(e.resourceVersion()) > since && o.matches(e.object())) {
            initial.add(e);
          }
        }
      }
      watchers.add(w);
    }
    w.start(initial, name);
    return w;
  }

  @Override
  public StoreHealth health() {
    return journal.health();
  }

  @Override
  public String describe() {
    return journal.describe();
  }

  /** Commits what is already queued, then refuses writes and closes the watches and the journal. */
  @Override
  public void close() {
    commits.close(() -> {
      synchronized (stateLock) {
        if (closed) {
          return;
        }
        closed = true;
      }
      for (Watcher w : watchers) {
        w.fail(new StoreException.Unavailable("store closed", null));
      }
      journal.close();
    });
  }

  /** Computes the new object from the current one (null if absent); a null result means "no change". */
  @FunctionalInterface
  private interface Mutation {
    Resource apply(Resource current);
  }

  private Resource write(ResourceKey key, Mutation mutation, WatchEvent.Type type) {
    Resource[] unchanged = {null};
    WatchEvent change = commits.write(key, rv -> {
      Resource current;
      synchronized (stateLock) {
        if (closed) {
          throw new StoreException.Unavailable("store is closed", null);
        }
        current = objects.get(key.kind()).get(key);
      }
      Resource changed = mutation.apply(current);
      if (changed == null) {
        unchanged[0] = current; // no-op update: no new version, no event
        return null;
      }
      return new WatchEvent(type, changed.withMetadata(changed.metadata().withResourceVersion(rv)), rv);
    });
    return change == null ? unchanged[0] : change.object();
  }

  /** Applies a durable group to memory, history and watches, in revision order. */
  private void applyDurable(List<WatchEvent> events) {
    synchronized (stateLock) {
      for (WatchEvent event : events) {
        Resource stored = event.object();
        if (event.type() == WatchEvent.Type.DELETED) {
          objects.get(stored.kind()).remove(stored.key());
        } else {
          objects.get(stored.kind()).put(stored.key(), stored);
        }
        revision = rev(event.resourceVersion());
        history.addLast(event);
        while (history.size() > options.historyLimit()) {
          historyStart = rev(history.removeFirst().resourceVersion());
        }
        for (Watcher w : watchers) {
          w.offer(event);
        }
      }
    }
  }

  private static void checkExistsAndVersion(ResourceKey key, Resource current, String rv, String uid) {
    if (current == null) {
      throw new StoreException.NotFound(key);
    }
    if (!rv.isEmpty() && !rv.equals(current.resourceVersion())) {
      throw new StoreException.Conflict(key, rv, current.resourceVersion());
    }
    if (!uid.isEmpty() && !uid.equals(current.metadata().uid())) {
      throw new StoreException(409, key + " has uid " + current.metadata().uid() + ", not " + uid
          + ": it was deleted and created again");
    }
  }

  private static long rev(String resourceVersion) {
    return Long.parseLong(resourceVersion);
  }

  private static long parseVersion(String rv) {
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      throw new StoreException(400, "resourceVersion \"" + rv + "\" is not one of this store's versions");
    }
  }
}
