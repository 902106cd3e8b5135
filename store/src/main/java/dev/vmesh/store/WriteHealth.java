package dev.vmesh.store;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code WriteHealth} follows whether a store's writes succeed: it counts failures, remembers why
 * writes fail and since when, and logs each change of state once (not each failed write). While writes
 * fail it also says when the store should try a write of its own ({@link #probeDue}), so that the
 * store notices by itself that it can write again even if nobody else writes.
 */
public final class WriteHealth {
  private static final Logger LOG = LoggerFactory.getLogger(WriteHealth.class);
  /** Least time between two probe writes. */
  public static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);

  private final String store;
  private final Clock clock;
  // Guarded by this.
  private StoreHealth state = StoreHealth.WRITABLE;
  private Instant lastProbe;

  /** {@code store} names the store in the log, e.g. {@code sqlite:/var/lib/vmesh/store.db}. */
  public WriteHealth(String store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A write failed for {@code reason} (the store's fault, not the caller's). */
  public synchronized void failed(String reason) {
    update(reason, 1);
  }

  /**
   * A write failed for a passing reason that does not make the store unwritable (its server was
   * unreachable): counted only.
   */
  public synchronized void error() {
    state = new StoreHealth(state.writable(), state.reason(), state.since(), state.failedWrites() + 1);
  }

  /** The store's own probe write failed: still not writable, not counted as a failed write. */
  public synchronized void probeFailed(String reason) {
    update(reason, 0);
  }

  private void update(String reason, int count) {
    if (state.writable() || !state.reason().equals(reason)) {
      LOG.error("event=store_cannot_write store={} reason=\"{}\"", store, reason);
    }
    Instant since = state.writable() ? clock.instant() : state.since();
    state = new StoreHealth(false, reason, since, state.failedWrites() + count);
  }

  /** A write succeeded: the store is writable (again). */
  public synchronized void succeeded() {
    if (!state.writable()) {
      LOG.info("event=store_writes_again store={} failed_for={}s failed_writes={}", store,
          Duration.between(state.since(), clock.instant()).toSeconds(), state.failedWrites());
      state = new StoreHealth(true, "", null, state.failedWrites());
    }
  }

  public synchronized StoreHealth get() {
    return state;
  }

  /**
   * True when writes fail and no probe was due within {@link #PROBE_INTERVAL}; the caller should then
   * try a harmless write and report it with {@link #failed} or {@link #succeeded}.
   */
  public synchronized boolean probeDue() {
    if (state.writable()) {
      return false;
    }
    Instant now = clock.instant();
    if (lastProbe != null && Duration.between(lastProbe, now).compareTo(PROBE_INTERVAL) < 0) {
      return false;
    }
    lastProbe = now;
    return true;
  }
}
