package dev.vmesh.store;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.validation.Validator;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code LocalConfigStore} holds all objects in this process's memory, versioned and watchable, and
 * optionally journals every change to disk before applying it (see {@link Journal}). It is the
 * in-memory store, the core of the embedded durable store, and the state behind the file store.
 *
 * <p>Writes commit in groups. A writer decides its change under the short write lock, against the
 * durable state (a key with a write still on its way to disk makes the next writer of that key wait
 * for it first), takes the next revision and joins the queue. It then takes the commit lock: the
 * writer that holds it is the leader, and journals everything queued so far in one append (one
 * fsync), applies it to memory and the watches in revision order, and marks it done; the writers
 * behind it find their change done, or lead the next group with whatever queued meanwhile. There is
 * no timer and no extra thread: a lone writer commits at once, and under load a group is whatever
 * arrived during the previous fsync (at most {@value #MAX_GROUP} changes). A write still returns only
 * once it is durable, and readers and watches only ever see durable changes. If the journal fails,
 * the writers of that group get the error and nothing of it is applied; the others are unaffected,
 * since no change was decided on top of one that was not yet durable.
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
  /** Most changes journaled in one append. */
  static final int MAX_GROUP = 512;

  private final Clock clock;
  private final Journal journal;
  private final Options options;
  private final Validator validator = new Validator();
  private final ReentrantLock writeLock = new ReentrantLock();
  /** Held by the leader of a group commit; order: commitLock, then writeLock, then stateLock. */
  private final ReentrantLock commitLock = new ReentrantLock();
  private final Object stateLock = new Object();
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

  // Guarded by writeLock.
  private final Deque<Commit> queued = new ArrayDeque<>();
  private final Map<ResourceKey, Commit> inFlight = new HashMap<>();
  private long assigned;

  // Guarded by stateLock (written only while also holding writeLock).
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
    for (Kind k : Kind.values()) {
      objects.put(k, new TreeMap<>());
    }
    Journal.Loaded loaded = journal.load(options.historyLimit());
    for (Resource r : loaded.objects()) {
      objects.get(r.kind()).put(r.key(), r);
    }
    history.addAll(loaded.history());
    revision = loaded.revision();
    assigned = revision;
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
    writeLock.lock();
    try {
      return queued.size();
    } finally {
      writeLock.unlock();
    }
  }

  /** The current resourceVersion of the store. */
  public String resourceVersion() {
    synchronized (stateLock) {
      return Long.toString(revision);
    }
  }

  @Override
  public Resource create(Resource r) {
    validate(r);
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
    validate(r);
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
  public String describe() {
    return journal.describe();
  }

  /** Commits what is already queued, then refuses writes and closes the watches and the journal. */
  @Override
  public void close() {
    commitLock.lock();
    try {
      while (true) {
        List<Commit> group;
        writeLock.lock();
        try {
          if (queued.isEmpty()) {
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
            return;
          }
          group = takeGroup();
        } finally {
          writeLock.unlock();
        }
        commitGroup(group);
      }
    } finally {
      commitLock.unlock();
    }
  }

  /** Computes the new object from the current one (null if absent); a null result means "no change". */
  @FunctionalInterface
  private interface Mutation {
    Resource apply(Resource current);
  }

  /** One change on its way to the journal; {@code done} and {@code failure} are set under both locks. */
  private static final class Commit {
    final ResourceKey key;
    final WatchEvent event;
    boolean done;
    StoreException failure;

    Commit(ResourceKey key, WatchEvent event) {
      this.key = key;
      this.event = event;
    }
  }

  private Resource write(ResourceKey key, Mutation mutation, WatchEvent.Type type) {
    Commit commit;
    while (true) {
      Commit earlier;
      writeLock.lock();
      try {
        Resource current;
        synchronized (stateLock) {
          if (closed) {
            throw new StoreException.Unavailable("store is closed", null);
          }
          current = objects.get(key.kind()).get(key);
        }
        earlier = inFlight.get(key);
        if (earlier == null) {
          Resource changed = mutation.apply(current);
          if (changed == null) {
            return current; // no-op update: no new version, no event
          }
          String rv = Long.toString(++assigned);
          Resource stored = changed.withMetadata(changed.metadata().withResourceVersion(rv));
          commit = new Commit(key, new WatchEvent(type, stored, rv));
          queued.addLast(commit);
          inFlight.put(key, commit);
          break;
        }
      } finally {
        writeLock.unlock();
      }
      awaitCommitted(earlier); // decide on durable state only; its writer sees any failure
    }
    awaitCommitted(commit);
    if (commit.failure != null) {
      throw new StoreException.Unavailable(commit.failure.getMessage(), commit.failure);
    }
    return commit.event.object();
  }

  /** Returns once {@code commit} is durable and applied, or failed; leads group commits until then. */
  private void awaitCommitted(Commit commit) {
    commitLock.lock();
    try {
      while (!commit.done && commit.failure == null) {
        List<Commit> group;
        writeLock.lock();
        try {
          group = takeGroup();
        } finally {
          writeLock.unlock();
        }
        if (group.isEmpty()) {
          throw new IllegalStateException("change " + commit.event.resourceVersion() + " is neither queued nor done");
        }
        commitGroup(group);
      }
    } finally {
      commitLock.unlock();
    }
  }

  /** The oldest queued changes, at most {@value #MAX_GROUP}; under writeLock. */
  private List<Commit> takeGroup() {
    List<Commit> group = new ArrayList<>();
    while (!queued.isEmpty() && group.size() < MAX_GROUP) {
      group.add(queued.pollFirst());
    }
    return group;
  }

  /** Journals {@code group} in one append, then applies it in revision order; called by the leader. */
  private void commitGroup(List<Commit> group) {
    List<WatchEvent> events = new ArrayList<>(group.size());
    for (Commit c : group) {
      events.add(c.event);
    }
    StoreException failure = null;
    try {
      journal.append(events);
    } catch (StoreException e) {
      failure = e;
    } catch (RuntimeException e) {
      failure = new StoreException.Unavailable("cannot journal: " + e, e);
    }
    if (failure == null) {
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
    writeLock.lock();
    try {
      for (Commit c : group) {
        inFlight.remove(c.key, c);
        if (failure == null) {
          c.done = true;
        } else {
          c.failure = failure;
        }
      }
    } finally {
      writeLock.unlock();
    }
  }

  private void validate(Resource r) {
    if (r.name().isEmpty()) {
      throw new StoreException.Invalid(r.key(), List.of(Problem.error("metadata.name", "name is required")));
    }
    if (!options.validate()) {
      return;
    }
    List<Problem> errors = validator.validate(r).stream().filter(Problem::isError).toList();
    if (!errors.isEmpty()) {
      throw new StoreException.Invalid(r.key(), errors);
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
