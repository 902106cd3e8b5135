package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code Entries} holds the store access every controller shares: read-modify-write with optimistic
 * concurrency (retried on conflict, as the annotations are the lock between replicas), and the
 * RFC 3339 times in annotations.
 */
final class Entries {
  static final int ATTEMPTS = 5;

  private Entries() {}

  /** What a change function decides: write this object (spec and metadata, or status), or nothing. */
  enum Write {
    SPEC,
    STATUS
  }

  /**
   * Applies {@code change} to the current object until it sticks or gives up after a few conflicts;
   * {@code change} returns empty to leave the object alone. Returns the stored result, if any.
   */
  static Optional<Resource> update(ConfigStore store, ResourceKey key, Write what,
      Function<Resource, Optional<Resource>> change) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Optional<Resource> current = store.get(key);
      if (current.isEmpty()) {
        return Optional.empty();
      }
      Optional<Resource> next = change.apply(current.get());
      if (next.isEmpty()) {
        return Optional.empty();
      }
      Resource r = next.get().withMetadata(next.get().metadata().withResourceVersion(current.get().resourceVersion()));
      try {
        return Optional.of(what == Write.SPEC ? store.update(r) : store.updateStatus(r));
      } catch (StoreException.Conflict e) {
        // someone else (another replica, a user) changed it: read again and decide again
      } catch (StoreException.NotFound e) {
        return Optional.empty();
      }
    }
    throw new StoreException(409, key + " kept changing under " + ATTEMPTS + " attempts to update it");
  }

  static String time(Instant t) {
    return ResourceEncoder.time(t);
  }

  /** A time annotation, or null when absent or unreadable. */
  static Instant time(Resource r, String annotation) {
    String v = r.metadata().annotations().get(annotation);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
