package dev.vmesh.store.kube;

import dev.vmesh.store.Blobs;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Leadership;
import dev.vmesh.store.StoreBackend;
import java.util.Optional;

/**
 * {@code KubeBackend} keeps a server's state in a Kubernetes cluster, which several servers can share:
 * objects as Istio's CRDs ({@link KubeConfigStore}), the leader by the Lease
 * {@code vmesh-}{@value #ELECTION} ({@link KubeLeadership}) and the CA and token keys as Secrets
 * ({@link KubeBlobs}), both in the servers' namespace.
 */
public final class KubeBackend implements StoreBackend {
  /** The election the servers of one namespace hold. */
  public static final String ELECTION = "server";

  private final KubeConfigStore store;
  private final String namespace;

  private KubeBackend(KubeConfigStore store, String namespace) {
    this.store = store;
    this.namespace = namespace;
  }

  /** Connects to {@code cluster} when opened (see {@link KubeConfigStore#connect}); the store closes its client. */
  public static StoreBackend.Opener opener(KubeCluster cluster, KubeStoreOptions options) {
    return clock -> new KubeBackend(KubeConfigStore.connect(cluster.client(), true, options), cluster.namespace());
  }

  @Override
  public ConfigStore store() {
    return store;
  }

  @Override
  public Leadership leadership(String identity) {
    return KubeLeadership.start(store, namespace, ELECTION, identity);
  }

  @Override
  public Optional<Blobs> sharedBlobs() {
    return Optional.of(new KubeBlobs(store.client(), namespace));
  }
}
