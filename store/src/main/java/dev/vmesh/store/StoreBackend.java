package dev.vmesh.store;

import java.time.Clock;
import java.util.Optional;

/**
 * {@code StoreBackend} is where a server keeps its state: the store it writes, how replicas sharing
 * that store agree on a leader, and where they keep what they share besides configuration. Each store
 * module ships one ({@link EmbeddedBackend} here, {@code EtcdBackend}, {@code KubeBackend}), built from
 * that module's own options; the server only sees this interface. Closing the backend closes its store
 * (as closing a store layered over {@link #store()} does).
 */
public interface StoreBackend extends AutoCloseable {

  /** Opens a backend: the server calls it once at start. */
  @FunctionalInterface
  interface Opener {
    /** Opens the backend; throws {@link StoreException.Unavailable} with a message naming what failed. */
    StoreBackend open(Clock clock);
  }

  /** The writable store; the server layers its config directory over it. */
  ConfigStore store();

  /**
   * Starts competing, as {@code identity}, for the singleton work of the servers sharing this store
   * (the sweep for leaked WorkloadEntries, recording allocated addresses); a server alone always leads.
   * The caller closes it, before the store.
   */
  Leadership leadership(String identity);

  /**
   * Where servers sharing this store keep what they must share besides configuration (the CA, the
   * token signing key and ledger); empty for a store only one server uses, which keeps them in its data
   * directory.
   */
  Optional<Blobs> sharedBlobs();

  @Override
  default void close() {
    store().close();
  }
}
