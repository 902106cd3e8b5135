package dev.vmesh.registry;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code LabelIndex} maps (namespace, label key, label value) to the set of items carrying that label,
 * so selector matching touches only candidates instead of every workload.
 */
final class LabelIndex<K> {
  private final Map<String, Map<String, Map<String, Set<K>>>> index = new HashMap<>();

  void add(String namespace, String key, String value, K item) {
    index.computeIfAbsent(namespace, n -> new HashMap<>())
        .computeIfAbsent(key, k -> new HashMap<>())
        .computeIfAbsent(value, v -> new HashSet<>(4))
        .add(item);
  }

  void remove(String namespace, String key, String value, K item) {
    Map<String, Map<String, Set<K>>> byKey = index.get(namespace);
    if (byKey == null) {
      return;
    }
    Map<String, Set<K>> byValue = byKey.get(key);
    if (byValue == null) {
      return;
    }
    Set<K> items = byValue.get(value);
    if (items != null && items.remove(item) && items.isEmpty()) {
      byValue.remove(value);
      if (byValue.isEmpty()) {
        byKey.remove(key);
        if (byKey.isEmpty()) {
          index.remove(namespace);
        }
      }
    }
  }

  void addAll(String namespace, Map<String, String> labels, K item) {
    labels.forEach((k, v) -> add(namespace, k, v, item));
  }

  void removeAll(String namespace, Map<String, String> labels, K item) {
    labels.forEach((k, v) -> remove(namespace, k, v, item));
  }

  /** Items in {@code namespace} with label {@code key=value} (a live view; do not modify). */
  Set<K> get(String namespace, String key, String value) {
    Map<String, Map<String, Set<K>>> byKey = index.get(namespace);
    if (byKey == null) {
      return Set.of();
    }
    Map<String, Set<K>> byValue = byKey.get(key);
    if (byValue == null) {
      return Set.of();
    }
    return byValue.getOrDefault(value, Set.of());
  }

  /**
   * Candidates that may match all of {@code selector} in {@code namespace}: the smallest posting list
   * among the selector's labels (callers still check the full selector). Null for an empty selector.
   */
  Set<K> smallestPosting(String namespace, Map<String, String> selector) {
    Set<K> best = null;
    for (Map.Entry<String, String> e : selector.entrySet()) {
      Set<K> s = get(namespace, e.getKey(), e.getValue());
      if (best == null || s.size() < best.size()) {
        best = s;
      }
      if (best.isEmpty()) {
        break;
      }
    }
    return best;
  }
}
