package dev.vmesh.store;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import java.util.Optional;

/**
 * {@code ConfigStore} is where vmesh keeps ServiceEntries, WorkloadEntries and WorkloadGroups. Its
 * contract follows the Kubernetes API so that the in-memory, file, embedded, etcd and Kubernetes
 * implementations are interchangeable:
 *
 * <ul>
 *   <li>every change gets a new {@code resourceVersion}; versions are opaque strings to callers, but
 *       a store's versions are totally ordered and its watch events arrive in that order;
 *   <li>{@link #update} and {@link #delete} with a resourceVersion succeed only if it is still current
 *       (otherwise {@link StoreException.Conflict}); an empty resourceVersion means "whatever is there";
 *   <li>{@link #update} changes metadata and spec and keeps the stored status; {@link #updateStatus}
 *       changes only the status; {@code generation} counts spec changes;
 *   <li>{@link #watch} can start from the current state or replay from a past version.
 * </ul>
 *
 * <p>Methods throw subclasses of {@link StoreException}; none return null.
 */
public interface ConfigStore extends AutoCloseable {

  /** The object with this key, if present. */
  Optional<Resource> get(ResourceKey key);

  /** Objects matching {@code options}, sorted by key, and the version the list reflects. */
  ListResult list(ListOptions options);

  /**
   * Stores a new object and returns it as stored (with uid, creationTimestamp, generation 1 and a
   * resourceVersion). Status in the input is ignored, as with the Kubernetes status subresource.
   */
  Resource create(Resource resource);

  /** Replaces metadata (labels, annotations, owners) and spec; keeps status. */
  Resource update(Resource resource);

  /** Replaces only the status. */
  Resource updateStatus(Resource resource);

  /** Deletes the object if {@code preconditions} hold; returns it as it was last stored. */
  Resource delete(ResourceKey key, Preconditions preconditions);

  /**
   * Starts delivering events to {@code listener} on a thread of the store's, one at a time, in version
   * order. See {@link WatchOptions} for where the stream starts.
   */
  Watch watch(WatchOptions options, WatchListener listener);

  /** True when create, update and delete are refused ({@link StoreException.ReadOnly}). */
  default boolean isReadOnly() {
    return false;
  }

  /**
   * Whether the store takes writes now, and if not why; readiness and metrics report it. Stores that
   * cannot fail on their own (in memory, files) are always writable.
   */
  default StoreHealth health() {
    return StoreHealth.WRITABLE;
  }

  /** A short description for logs and the debug pages, e.g. {@code sqlite:/var/lib/vmesh/store.db}. */
  String describe();

  @Override
  void close();
}
