package dev.vmesh.store;

import java.time.Clock;

/**
 * {@code ConfigStoreFactory} opens the writable store a server keeps its state in: the embedded
 * durable store, etcd, ... The server layers its config directory on top of whatever it returns.
 */
public interface ConfigStoreFactory {
  /** Opens the store; throws {@link StoreException.Unavailable} with a message naming what failed. */
  ConfigStore open(Clock clock);

  /**
   * Who does singleton work (the sweep for leaked WorkloadEntries, recording allocated addresses) among
   * the servers sharing {@code opened}, the store {@link #open} returned; a server alone always leads.
   */
  default Leadership leadership(ConfigStore opened, String identity) {
    return Leadership.always(opened, identity);
  }

  /**
   * Where servers sharing {@code opened} keep what they must share besides configuration (the CA, the
   * token signing key and ledger); empty for a store only one server uses, which keeps them in its data
   * directory.
   */
  default java.util.Optional<Blobs> sharedBlobs(ConfigStore opened) {
    return java.util.Optional.empty();
  }
}
