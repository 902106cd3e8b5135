package dev.vmesh.xds;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ResourceCache} keeps generated resources by type, name and variant, so a change pushed to a
 * thousand proxies is generated and serialised once. Invalidation replaces a name's slot: a generation
 * that began before the change can only store into the dropped slot, never leave a stale entry.
 */
final class ResourceCache {
  private final ConcurrentHashMap<ResourceType, ConcurrentHashMap<String, Slot>> byType = new ConcurrentHashMap<>();

  /** The variants of one name. */
  private static final class Slot {
    final ConcurrentHashMap<String, Optional<XdsResource>> variants = new ConcurrentHashMap<>(4);
  }

  XdsResource get(ResourceType type, Proxy proxy, String name, MeshView mesh) {
    Slot slot = byType.computeIfAbsent(type, t -> new ConcurrentHashMap<>()).computeIfAbsent(name, n -> new Slot());
    String variant = type.cacheVariant(proxy, name);
    if (type.scoped()) {
      String scope = mesh.scope(proxy).id();
      variant = scope.isEmpty() ? variant : variant + "|" + scope;
    }
    return slot.variants.computeIfAbsent(variant,
        v -> Optional.ofNullable(type.generate(proxy, name, mesh))).orElse(null);
  }

  /** Drops what {@code request} makes stale: the names it touched, and what the rules of {@code types} add. */
  void invalidate(PushRequest request, Iterable<ResourceType> types) {
    request.changed().forEach((type, names) -> names.forEach(n -> invalidate(type, n)));
    for (ResourceType type : types) {
      if (type.staleAll(request)) {
        invalidateType(type);
      } else {
        type.staleNames(request).forEach(n -> invalidate(type, n));
      }
    }
  }

  void invalidate(ResourceType type, String name) {
    ConcurrentHashMap<String, Slot> m = byType.get(type);
    if (m != null) {
      m.remove(name);
    }
  }

  void invalidateType(ResourceType type) {
    byType.remove(type);
  }

  void clear() {
    byType.clear();
  }
}
