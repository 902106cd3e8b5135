package dev.vmesh.registry.security;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code NamespacePolicies} are the PeerAuthentications of one namespace, immutable, arranged for lookups: the
 * namespace-wide policy that counts (the oldest without a selector) and the selector policies oldest first.
 */
final class NamespacePolicies {
  private final Map<String, PeerAuthenticationPolicy> byName;
  /** The oldest policy without a selector, or null. */
  private final PeerAuthenticationPolicy namespaceWide;
  /** Every policy with a selector, oldest first. */
  private final List<PeerAuthenticationPolicy> selecting;

  private NamespacePolicies(Map<String, PeerAuthenticationPolicy> byName) {
    this.byName = Map.copyOf(byName);
    List<PeerAuthenticationPolicy> sorted = new ArrayList<>(byName.values());
    sorted.sort(PeerAuthenticationPolicy.OLDEST_FIRST);
    PeerAuthenticationPolicy wide = null;
    List<PeerAuthenticationPolicy> withSelector = new ArrayList<>();
    for (PeerAuthenticationPolicy p : sorted) {
      if (!p.namespaceWide()) {
        withSelector.add(p);
      } else if (wide == null) {
        wide = p;
      }
    }
    this.namespaceWide = wide;
    this.selecting = List.copyOf(withSelector);
  }

  /** The policies of one namespace, or null when there are none. */
  static NamespacePolicies of(Map<String, PeerAuthenticationPolicy> byName) {
    return byName.isEmpty() ? null : new NamespacePolicies(byName);
  }

  /** These policies with {@code p} added or replacing the one of its name. */
  NamespacePolicies with(PeerAuthenticationPolicy p) {
    Map<String, PeerAuthenticationPolicy> next = new HashMap<>(byName);
    next.put(p.name(), p);
    return new NamespacePolicies(next);
  }

  /** These policies without the one named {@code name}; null when none is left. */
  NamespacePolicies without(String name) {
    Map<String, PeerAuthenticationPolicy> next = new HashMap<>(byName);
    next.remove(name);
    return of(next);
  }

  PeerAuthenticationPolicy get(String name) {
    return byName.get(name);
  }

  Iterable<PeerAuthenticationPolicy> all() {
    return byName.values();
  }

  int size() {
    return byName.size();
  }

  /** The oldest policy without a selector, or null. */
  PeerAuthenticationPolicy namespaceWide() {
    return namespaceWide;
  }

  /** The policies with a selector, oldest first. */
  List<PeerAuthenticationPolicy> selecting() {
    return selecting;
  }

  /** The oldest selector policy whose labels the workload has, or null. */
  PeerAuthenticationPolicy oldestSelecting(Map<String, String> labels) {
    for (PeerAuthenticationPolicy p : selecting) {
      if (p.selects(labels)) {
        return p;
      }
    }
    return null;
  }
}
