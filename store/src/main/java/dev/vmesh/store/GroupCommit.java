package dev.vmesh.store;

import dev.vmesh.api.ResourceKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * {@code GroupCommit} is the write path of a {@link LocalConfigStore}: it orders writes, journals them
 * in groups (one append, so one disk sync, for all writes that queued up meanwhile) and hands each
 * durable group to the store to apply.
 *
 * <p>A writer decides its change under the short write lock, against the durable state, takes the next
 * revision and joins the queue; a key whose last write is not durable yet makes the next writer of
 * that key wait for it first, so nothing is ever decided on top of a change that may still fail. The
 * writer then takes the commit lock. Whoever holds it is the leader: it journals everything queued so
 * far in one append, has the store apply it (memory and watches, in revision order) and marks it done.
 * The writers behind it find their change done, or lead the next group with what queued meanwhile.
 * There is no timer and no extra thread: a lone writer commits at once, and under load a group is
 * whatever arrived during the previous disk sync (at most {@value #MAX_GROUP} changes). A write returns
 * only once it is durable and applied, so readers and watches only ever see durable changes. If the
 * journal fails, the writers of that group get the error and nothing of it is applied (its revisions
 * stay unused); other writers are unaffected.
 *
 * <p>Lock order: commit lock, then write lock, then the store's state lock.
 */
final class GroupCommit {
  /** Most changes journaled in one append. */
  static final int MAX_GROUP = 512;

  /** Decides one write under the write lock: the change, with {@code resourceVersion}, or null for none. */
  @FunctionalInterface
  interface Decision {
    WatchEvent decide(String resourceVersion);
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

  private final Journal journal;
  private final Consumer<List<WatchEvent>> applyDurable;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final ReentrantLock commitLock = new ReentrantLock();
  // Guarded by writeLock.
  private final Deque<Commit> queued = new ArrayDeque<>();
  private final Map<ResourceKey, Commit> inFlight = new HashMap<>();
  private long assigned;

  /** {@code revision}: the last one the journal holds; {@code applyDurable} gets each durable group in order. */
  GroupCommit(Journal journal, long revision, Consumer<List<WatchEvent>> applyDurable) {
    this.journal = journal;
    this.assigned = revision;
    this.applyDurable = applyDurable;
  }

  /**
   * Decides and commits one write of {@code key}; returns the change once durable and applied, or null
   * when {@code decision} made none. Exceptions of {@code decision} (precondition failures) pass through.
   */
  WatchEvent write(ResourceKey key, Decision decision) {
    Commit commit;
    while (true) {
      Commit earlier;
      writeLock.lock();
      try {
        earlier = inFlight.get(key);
        if (earlier == null) {
          WatchEvent change = decision.decide(Long.toString(assigned + 1));
          if (change == null) {
            return null;
          }
          assigned++;
          commit = new Commit(key, change);
          queued.addLast(commit);
          inFlight.put(key, commit);
          break;
        }
      } finally {
        writeLock.unlock();
      }
      awaitCommitted(earlier); // then decide again, on durable state; its own writer sees any failure
    }
    awaitCommitted(commit);
    if (commit.failure != null) {
      throw new StoreException.Unavailable(commit.failure.getMessage(), commit.failure);
    }
    return commit.event;
  }

  /** Changes decided but not yet taken by a group (for tests). */
  int queuedChanges() {
    writeLock.lock();
    try {
      return queued.size();
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Commits what is queued, then runs {@code closing} while no write can be decided (it should make
   * later decisions fail, and close the journal).
   */
  void close(Runnable closing) {
    commitLock.lock();
    try {
      while (true) {
        List<Commit> group;
        writeLock.lock();
        try {
          if (queued.isEmpty()) {
            closing.run();
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

  /** Returns once {@code commit} is durable and applied, or failed; leads groups until then. */
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

  /** Journals {@code group} in one append, then has it applied; called by the leader. */
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
      applyDurable.accept(events);
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
}
