package dev.vmesh.store;

import dev.vmesh.api.Resource;

/**
 * {@code WatchEvent} is one change. For DELETED, {@code object} is the object as last stored, with the
 * resourceVersion of the deletion. SYNCED carries no object: it marks the end of the initial state.
 */
public record WatchEvent(Type type, Resource object, String resourceVersion) {

  /** What happened. */
  public enum Type {
    ADDED,
    MODIFIED,
    DELETED,
    /** The initial state has been delivered; what follows are live changes. */
    SYNCED
  }

  public static WatchEvent synced(String resourceVersion) {
    return new WatchEvent(Type.SYNCED, null, resourceVersion);
  }

  @Override
  public String toString() {
    return type + (object == null ? "" : " " + object) + " @" + resourceVersion;
  }
}
