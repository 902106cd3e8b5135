package dev.vmesh.store.etcd;

import dev.vmesh.store.Blobs;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Leadership;
import dev.vmesh.store.StoreBackend;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code EtcdBackend} keeps a server's state in etcd, which several servers can share: objects in
 * {@link EtcdConfigStore}, the leader by {@link EtcdLeadership} (election {@value #ELECTION}), and the
 * CA and token keys in {@link EtcdBlobs}.
 */
public final class EtcdBackend implements StoreBackend {
  /** The election the servers sharing one etcd prefix hold. */
  public static final String ELECTION = "server";
  /** How long a leader that stopped renewing its lease keeps the lead. */
  public static final Duration LEADER_TTL = Duration.ofSeconds(10);

  private final EtcdConfigStore store;

  private EtcdBackend(EtcdConfigStore store) {
    this.store = store;
  }

  /** Connects to the etcd {@code options} name when opened (see {@link EtcdConfigStore#connect}). */
  public static StoreBackend.Opener opener(EtcdOptions options) {
    return clock -> new EtcdBackend(EtcdConfigStore.connect(options, clock));
  }

  @Override
  public ConfigStore store() {
    return store;
  }

  @Override
  public Leadership leadership(String identity) {
    return EtcdLeadership.start(store, ELECTION, identity, LEADER_TTL);
  }

  @Override
  public Optional<Blobs> sharedBlobs() {
    return Optional.of(new EtcdBlobs(store));
  }
}
