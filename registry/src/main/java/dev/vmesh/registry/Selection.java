package dev.vmesh.registry;

import dev.vmesh.api.ResourceKey;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code Selection} answers which ServiceEntries select a workload and which workloads a selector may
 * select, through label indexes, so one event touches only the services it affects: WorkloadEntries by
 * every label, and ServiceEntries with a selector by its first label (per namespace). It holds keys and
 * labels only; what a selection contributes is the registry's business. Confined to the registry's
 * update thread.
 */
final class Selection {
  private final Map<String, Set<ResourceKey>> workloadsByNamespace = new HashMap<>();
  private final LabelIndex<ResourceKey> workloadIndex = new LabelIndex<>();
  /** ServiceEntries with a selector, indexed by the selector's first label. */
  private final LabelIndex<ResourceKey> selectorIndex = new LabelIndex<>();
  /** ServiceEntries whose selector has no labels (selects everything in the namespace). */
  private final Map<String, Set<ResourceKey>> emptySelectors = new HashMap<>();
  /** Every indexed ServiceEntry's selector. */
  private final Map<ResourceKey, Map<String, String>> selectors = new HashMap<>();

  /** Indexes a workload under its labels, replacing {@code old}'s (null for a new one). */
  void putWorkload(ResourceKey key, Workload old, Workload w) {
    if (old != null) {
      workloadIndex.removeAll(old.namespace(), old.labels(), key);
    }
    workloadIndex.addAll(w.namespace(), w.labels(), key);
    workloadsByNamespace.computeIfAbsent(w.namespace(), n -> new HashSet<>()).add(key);
  }

  void removeWorkload(ResourceKey key, Workload old) {
    workloadIndex.removeAll(old.namespace(), old.labels(), key);
    Set<ResourceKey> inNs = workloadsByNamespace.get(old.namespace());
    inNs.remove(key);
    if (inNs.isEmpty()) {
      workloadsByNamespace.remove(old.namespace());
    }
  }

  /** Indexes a ServiceEntry's selector (no-op for one without). */
  void addSelector(ServiceEntryRecord se) {
    Map<String, String> selector = se.selector();
    if (selector == null) {
      return;
    }
    selectors.put(se.key(), selector);
    if (selector.isEmpty()) {
      emptySelectors.computeIfAbsent(se.namespace(), n -> new HashSet<>()).add(se.key());
    } else {
      Map.Entry<String, String> first = firstLabel(selector);
      selectorIndex.add(se.namespace(), first.getKey(), first.getValue(), se.key());
    }
  }

  void removeSelector(ServiceEntryRecord se) {
    Map<String, String> selector = se.selector();
    if (selector == null) {
      return;
    }
    selectors.remove(se.key());
    if (selector.isEmpty()) {
      Set<ResourceKey> s = emptySelectors.get(se.namespace());
      s.remove(se.key());
      if (s.isEmpty()) {
        emptySelectors.remove(se.namespace());
      }
    } else {
      Map.Entry<String, String> first = firstLabel(selector);
      selectorIndex.remove(se.namespace(), first.getKey(), first.getValue(), se.key());
    }
  }

  /** ServiceEntries in {@code namespace} whose selector matches {@code labels}. */
  Set<ResourceKey> selecting(String namespace, Map<String, String> labels) {
    Set<ResourceKey> out = new HashSet<>(emptySelectors.getOrDefault(namespace, Set.of()));
    for (Map.Entry<String, String> l : labels.entrySet()) {
      for (ResourceKey se : selectorIndex.get(namespace, l.getKey(), l.getValue())) {
        if (matches(selectors.get(se), labels)) {
          out.add(se);
        }
      }
    }
    return out;
  }

  /** Workloads that may match {@code se}'s selector (a copy; callers still check the whole selector). */
  List<ResourceKey> candidates(ServiceEntryRecord se) {
    Set<ResourceKey> c = se.selector().isEmpty() ? workloadsByNamespace.getOrDefault(se.namespace(), Set.of())
        : workloadIndex.smallestPosting(se.namespace(), se.selector());
    return List.copyOf(c);
  }

  static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static Map.Entry<String, String> firstLabel(Map<String, String> selector) {
    return selector.entrySet().stream().min(Map.Entry.comparingByKey()).orElseThrow();
  }
}
