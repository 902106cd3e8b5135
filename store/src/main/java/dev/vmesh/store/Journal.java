package dev.vmesh.store;

import dev.vmesh.api.Resource;
import java.util.List;

/**
 * {@code Journal} makes a {@link LocalConfigStore} durable: every change is appended (and on disk)
 * before the store applies it in memory or tells anyone, and the state is loaded back on start.
 */
public interface Journal extends AutoCloseable {

  /** A journal that keeps nothing: a purely in-memory store. */
  Journal NONE = new Journal() {
    @Override
    public void append(List<WatchEvent> changes) {}

    @Override
    public Loaded load(int historyLimit) {
      return new Loaded(List.of(), 0, List.of());
    }

    @Override
    public String describe() {
      return "memory";
    }

    @Override
    public void close() {}
  };

  /**
   * Records changes durably, all or none, in one transaction: when this returns they survive a crash.
   * Each event's resourceVersion is its revision (increasing along the list); for DELETED, the object
   * is the object as last stored with the deletion's resourceVersion. Throws
   * {@link StoreException.Unavailable} if the changes could not be recorded; then none was.
   */
  void append(List<WatchEvent> changes);

  /** The stored objects, the last revision, and up to {@code historyLimit} most recent events. */
  Loaded load(int historyLimit);

  /** Whether appends succeed now (see {@link StoreHealth}); a journal kept in memory always can. */
  default StoreHealth health() {
    return StoreHealth.WRITABLE;
  }

  /** Where the journal lives, for logs. */
  String describe();

  @Override
  void close();

  /** What {@link #load} found. */
  record Loaded(List<Resource> objects, long revision, List<WatchEvent> history) {}
}
