package dev.vmesh.registry;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code Interner} shares equal strings and label maps among workloads (namespaces, label keys and
 * values, networks, service accounts repeat across 100k entries). Single-threaded, like the registry's
 * writer.
 */
final class Interner {
  private final Map<String, String> strings = new HashMap<>();

  String intern(String s) {
    if (s.isEmpty()) {
      return "";
    }
    String existing = strings.putIfAbsent(s, s);
    return existing != null ? existing : s;
  }

  /** An immutable copy of {@code m} with interned keys and values. */
  Map<String, String> labels(Map<String, String> m) {
    if (m.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>(m.size() * 2);
    m.forEach((k, v) -> out.put(intern(k), intern(v)));
    return Map.copyOf(out);
  }
}
