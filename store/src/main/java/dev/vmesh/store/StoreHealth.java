package dev.vmesh.store;

import java.time.Instant;

/**
 * {@code StoreHealth} says whether a store takes writes now: the server's readiness, its metrics and
 * its debug pages report it.
 *
 * @param writable false once a write failed for a reason of the store's own (disk full, etcd's quota,
 *     I/O errors; not a refused write such as a conflict), until a write succeeds again
 * @param reason why writes fail, for people; empty while writable
 * @param since when writes started failing; null while writable
 * @param failedWrites writes that failed for such reasons since the store was opened
 */
public record StoreHealth(boolean writable, String reason, Instant since, long failedWrites) {
  /** A store that has never failed a write. */
  public static final StoreHealth WRITABLE = new StoreHealth(true, "", null, 0);
}
