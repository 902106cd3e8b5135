package dev.vmesh.registry.scope;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Sidecars} is an immutable snapshot of the mesh's Sidecars, arranged for selection as istiod does it: for a
 * workload of namespace N, the oldest Sidecar of N whose {@code workloadSelector} matches its labels; else N's
 * oldest Sidecar without selector (the namespace default); else the oldest Sidecar without selector of the root
 * namespace (the mesh default), its {@code .} standing for N; else none ({@link SidecarScope#ALL}). Oldest is by
 * creation time (none counts as oldest), then name, then namespace. Any thread may read it.
 */
public final class Sidecars {
  /** No Sidecars at all. */
  public static final Sidecars NONE = new Sidecars(Map.of(), Map.of(), null, List.of());

  static final Comparator<CompiledSidecar> OLDEST_FIRST = Comparator
      .comparing(CompiledSidecar::created, Comparator.nullsFirst(Comparator.<Instant>naturalOrder()))
      .thenComparing(CompiledSidecar::name).thenComparing(CompiledSidecar::namespace);

  private final Map<String, List<CompiledSidecar>> withSelector;
  private final Map<String, CompiledSidecar> namespaceDefaults;
  private final CompiledSidecar meshDefault;
  private final List<String> ignored;

  private Sidecars(Map<String, List<CompiledSidecar>> withSelector, Map<String, CompiledSidecar> namespaceDefaults,
      CompiledSidecar meshDefault, List<String> ignored) {
    this.withSelector = withSelector;
    this.namespaceDefaults = namespaceDefaults;
    this.meshDefault = meshDefault;
    this.ignored = ignored;
  }

  static Sidecars of(Collection<CompiledSidecar> all, String rootNamespace) {
    if (all.isEmpty()) {
      return NONE;
    }
    List<CompiledSidecar> sorted = new ArrayList<>(all);
    sorted.sort(OLDEST_FIRST);
    Map<String, List<CompiledSidecar>> withSelector = new HashMap<>();
    Map<String, CompiledSidecar> defaults = new HashMap<>();
    List<String> ignored = new ArrayList<>();
    for (CompiledSidecar s : sorted) {
      if (s.selector() != null) {
        withSelector.computeIfAbsent(s.namespace(), k -> new ArrayList<>()).add(s);
      } else {
        CompiledSidecar first = defaults.putIfAbsent(s.namespace(), s);
        if (first != null) {
          ignored.add(s.namespace() + "/" + s.name() + ": namespace " + s.namespace() + " already has an older"
              + " Sidecar without workloadSelector (" + first.name() + "), which applies instead");
        }
      }
    }
    withSelector.replaceAll((ns, list) -> List.copyOf(list));
    return new Sidecars(Map.copyOf(withSelector), Map.copyOf(defaults), defaults.get(rootNamespace),
        List.copyOf(ignored));
  }

  /** True when there are none: every workload's scope is {@link SidecarScope#ALL}. */
  public boolean isEmpty() {
    return this == NONE;
  }

  /** The scope of a workload of {@code namespace} with {@code labels}. */
  public SidecarScope forWorkload(String namespace, Map<String, String> labels) {
    if (isEmpty()) {
      return SidecarScope.ALL;
    }
    for (CompiledSidecar s : withSelector.getOrDefault(namespace, List.of())) {
      if (s.selects(labels)) {
        return SidecarScope.of(s, namespace);
      }
    }
    CompiledSidecar d = namespaceDefaults.get(namespace);
    if (d != null) {
      return SidecarScope.of(d, namespace);
    }
    return meshDefault == null ? SidecarScope.ALL : SidecarScope.of(meshDefault, namespace);
  }

  /**
   * Sidecars that can never apply, each with the reason: a namespace's Sidecars without selector after its
   * oldest (istiod only logs them). Selector Sidecars that overlap depend on the workloads' labels and are not
   * listed; the oldest matching one applies.
   */
  public List<String> ignored() {
    return ignored;
  }
}
