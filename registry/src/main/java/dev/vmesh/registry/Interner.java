package dev.vmesh.registry;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code Interner} shares equal strings and label maps among workloads (namespaces, label keys and
 * values, networks, service accounts repeat across 100k entries). Single-threaded, like the registry's
 * writer.
 */
final class Interner {
  private final Map<String, String> strings = new HashMap<>();
  private final Map<String, Map<String, String>> identities = new HashMap<>();

  String intern(String s) {
    if (s.isEmpty()) {
      return "";
    }
    String existing = strings.putIfAbsent(s, s);
    return existing != null ? existing : s;
  }

  /** An immutable copy of {@code m} with interned keys and values. */
  @SuppressWarnings("unchecked")
  Map<String, String> labels(Map<String, String> m) {
    if (m.isEmpty()) {
      return Map.of();
    }
    Map.Entry<String, String>[] entries = new Map.Entry[m.size()];
    int i = 0;
    for (Map.Entry<String, String> e : m.entrySet()) {
      entries[i++] = Map.entry(intern(e.getKey()), intern(e.getValue()));
    }
    return Map.ofEntries(entries);
  }

  /** {@code spiffe://<trustDomain>/ns/<namespace>/sa/<sa>}, built once per namespace and account. */
  String spiffe(String trustDomain, String namespace, String serviceAccount) {
    return identities.computeIfAbsent(namespace, n -> new HashMap<>())
        .computeIfAbsent(serviceAccount, sa -> intern("spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + sa));
  }
}
