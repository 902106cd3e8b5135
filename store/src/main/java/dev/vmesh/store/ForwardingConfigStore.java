package dev.vmesh.store;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import java.util.Optional;

/**
 * {@code ForwardingConfigStore} passes every call to another store; a subclass overrides only what it
 * changes (a fence on writes, a test's hook), the way Guava's forwarding collections work.
 */
public abstract class ForwardingConfigStore implements ConfigStore {
  private final ConfigStore delegate;

  protected ForwardingConfigStore(ConfigStore delegate) {
    this.delegate = delegate;
  }

  /** The store calls go to. */
  protected ConfigStore delegate() {
    return delegate;
  }

  @Override
  public Optional<Resource> get(ResourceKey key) {
    return delegate.get(key);
  }

  @Override
  public ListResult list(ListOptions options) {
    return delegate.list(options);
  }

  @Override
  public Resource create(Resource resource) {
    return delegate.create(resource);
  }

  @Override
  public Resource update(Resource resource) {
    return delegate.update(resource);
  }

  @Override
  public Resource updateStatus(Resource resource) {
    return delegate.updateStatus(resource);
  }

  @Override
  public Resource delete(ResourceKey key, Preconditions preconditions) {
    return delegate.delete(key, preconditions);
  }

  @Override
  public Watch watch(WatchOptions options, WatchListener listener) {
    return delegate.watch(options, listener);
  }

  @Override
  public boolean isReadOnly() {
    return delegate.isReadOnly();
  }

  @Override
  public StoreHealth health() {
    return delegate.health();
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
