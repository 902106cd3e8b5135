package dev.vmesh.store;

import java.nio.file.Path;
import java.time.Clock;

/** {@code ConfigStores} creates the stores vmesh ships with. */
public final class ConfigStores {
  private ConfigStores() {}

  /** A store held only in memory; everything is gone when the process ends. */
  public static LocalConfigStore memory(Clock clock) {
    return new LocalConfigStore(clock);
  }

  /**
   * The embedded durable store (SQLite) in {@code dataDir}: survives restarts and {@code kill -9} with
   * nothing acknowledged lost.
   */
  public static LocalConfigStore durable(Path dataDir, Clock clock) {
    return durable(dataDir, clock, LocalConfigStore.Options.DEFAULTS);
  }

  public static LocalConfigStore durable(Path dataDir, Clock clock, LocalConfigStore.Options options) {
    return durable(dataDir, clock, options, null);
  }

  /**
   * The embedded durable store; unless {@code mustExistBecause} is null, a missing or empty
   * {@code store.db} is refused with that reason (see {@link SqliteJournal#open}).
   */
  public static LocalConfigStore durable(Path dataDir, Clock clock, LocalConfigStore.Options options,
      String mustExistBecause) {
    SqliteJournal journal = SqliteJournal.open(dataDir, clock, mustExistBecause);
    try {
      return new LocalConfigStore(clock, journal, options);
    } catch (RuntimeException e) {
      journal.close();
      throw e;
    }
  }
}
