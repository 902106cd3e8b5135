package dev.vmesh.store.etcd;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.store.ForwardingConfigStore;
import dev.vmesh.store.Preconditions;
import java.util.function.Supplier;

/**
 * {@code FencedConfigStore} is an {@link EtcdConfigStore} whose writes also require the current
 * {@link Fence} in the same transaction (see {@link EtcdLeadership#fenced()}). Writes that would change
 * nothing are answered without a transaction, as always, and so without the check.
 */
final class FencedConfigStore extends ForwardingConfigStore {
  private final EtcdConfigStore store;
  private final Supplier<Fence> fence;

  FencedConfigStore(EtcdConfigStore store, Supplier<Fence> fence) {
    super(store);
    this.store = store;
    this.fence = fence;
  }

  @Override
  public Resource create(Resource r) {
    return store.create(r, fence);
  }

  @Override
  public Resource update(Resource r) {
    return store.update(r, fence);
  }

  @Override
  public Resource updateStatus(Resource r) {
    return store.updateStatus(r, fence);
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions preconditions) {
    return store.delete(key, preconditions, fence);
  }

  @Override
  public String describe() {
    return store.describe() + " (fenced by leadership)";
  }

  @Override
  public void close() {
    // the store belongs to whoever opened it
  }
}
