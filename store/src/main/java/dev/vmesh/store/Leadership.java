package dev.vmesh.store;

import java.time.Duration;
import java.util.Optional;

/**
 * {@code Leadership} decides which one of several servers sharing a store does singleton work, such as
 * sweeping expired WorkloadEntries: at most one replica leads at a time. A leader can lose the lead at
 * any moment (a long pause, a partition) without noticing at once, so its writes for that work go
 * through {@link #fenced()}: a view of the store whose writes succeed only while this replica still
 * leads, checked by the store in the same atomic step as the write.
 */
public interface Leadership extends AutoCloseable {

  /** Whether this replica leads, as far as it knows now; use {@link #fenced()} to write safely. */
  boolean isLeader();

  /** Waits up to {@code timeout} until this replica leads; true if it does. */
  boolean awaitLeader(Duration timeout) throws InterruptedException;

  /** The identity of the replica that leads, if any is known (for logs and debug pages). */
  Optional<String> leader();

  /**
   * The store whose create, update, updateStatus and delete fail with {@link StoreException.NotLeader}
   * (changing nothing) unless this replica leads at the moment the store applies them. Reads and watches
   * are the store's own.
   */
  ConfigStore fenced();

  /** Gives up the lead (another replica can take it at once) and stops competing. */
  @Override
  void close();

  /** For a store only one server uses (the embedded one): that server always leads; no fence is needed. */
  static Leadership always(ConfigStore store, String identity) {
    return new Leadership() {
      @Override
      public boolean isLeader() {
        return true;
      }

      @Override
      public boolean awaitLeader(Duration timeout) {
        return true;
      }

      @Override
      public Optional<String> leader() {
        return Optional.of(identity);
      }

      @Override
      public ConfigStore fenced() {
        return store;
      }

      @Override
      public void close() {}
    };
  }
}
