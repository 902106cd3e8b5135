package dev.vmesh.xds;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ResourceCache} keeps generated resources by type, name and variant, so a change pushed to a
 * thousand proxies is generated and serialised once. Invalidation replaces a name's slot: a generation
 * that began before the change can only store into the dropped slot, never leave a stale entry.
 */
final class ResourceCache {
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Slot>> byType = new ConcurrentHashMap<>();

  /** The variants of one name. */
  private static final class Slot {
    final ConcurrentHashMap<String, Optional<XdsResource>> variants = new ConcurrentHashMap<>(4);
  }

  XdsResource get(Generator g, Proxy proxy, String name, MeshView mesh) {
    Slot slot = byType.computeIfAbsent(g.typeUrl(), t -> new ConcurrentHashMap<>()).computeIfAbsent(name, n -> new Slot());
    return slot.variants.computeIfAbsent(g.cacheVariant(proxy),
        v -> Optional.ofNullable(g.generate(proxy, name, mesh))).orElse(null);
  }

  void invalidate(String typeUrl, String name) {
    ConcurrentHashMap<String, Slot> m = byType.get(typeUrl);
    if (m != null) {
      m.remove(name);
    }
  }

  void invalidateType(String typeUrl) {
    byType.remove(typeUrl);
  }

  void clear() {
    byType.clear();
  }
}
