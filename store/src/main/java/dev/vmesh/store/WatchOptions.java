package dev.vmesh.store;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import java.util.Set;

/**
 * {@code WatchOptions} says what a watch delivers and from where.
 *
 * @param kinds kinds to deliver; empty means all
 * @param namespace the only namespace to deliver, or null for all
 * @param sinceResourceVersion null or empty: first an ADDED event for every current object, then one
 *     SYNCED event, then live changes; otherwise every change after that version (replayed from the
 *     store's history, {@link StoreException.Expired} if it is older than the history kept), then live
 *     changes
 */
public record WatchOptions(Set<Kind> kinds, String namespace, String sinceResourceVersion) {
  public WatchOptions {
    kinds = kinds == null ? Set.of() : Set.copyOf(kinds);
  }

  /** Everything, starting with the current state. */
  public static WatchOptions fromCurrentState() {
    return new WatchOptions(Set.of(), null, null);
  }

  /** Everything after {@code resourceVersion}. */
  public static WatchOptions since(String resourceVersion) {
    return new WatchOptions(Set.of(), null, resourceVersion);
  }

  public boolean startsFromCurrentState() {
    return sinceResourceVersion == null || sinceResourceVersion.isEmpty();
  }

  public boolean matches(Resource r) {
    return (kinds.isEmpty() || kinds.contains(r.kind())) && (namespace == null || namespace.equals(r.namespace()));
  }
}
