package dev.vmesh.store;

import java.time.Clock;

/**
 * {@code ConfigStoreFactory} opens the writable store a server keeps its state in: the embedded
 * durable store, etcd, ... The server layers its config directory on top of whatever it returns.
 */
@FunctionalInterface
public interface ConfigStoreFactory {
  /** Opens the store; throws {@link StoreException.Unavailable} with a message naming what failed. */
  ConfigStore open(Clock clock);
}
