package dev.vmesh.registry.security;

import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code PolicyChange} is what a PeerAuthentication update did: the snapshots before and after, and which
 * namespaces' workloads it can concern (all of them for a mesh-wide policy). A push pipeline asks it which
 * proxies to regenerate: {@link #affects} is exact (the workload's composed mTLS differs between the two
 * snapshots), and cheap for workloads outside the scope.
 *
 * @param before null only for {@link #NONE}
 * @param after null only for {@link #NONE}
 * @param meshWide true when any namespace's workloads may be concerned
 * @param namespaces the namespaces whose workloads may be concerned (ignored when {@code meshWide})
 */
public record PolicyChange(PeerAuthentications before, PeerAuthentications after, boolean meshWide,
    Set<String> namespaces) {
  /** No change. */
  public static final PolicyChange NONE = new PolicyChange(null, null, false, Set.of());

  public PolicyChange {
    namespaces = Set.copyOf(namespaces);
    if ((before == null) != (after == null)) {
      throw new IllegalArgumentException("before and after are both set or both null");
    }
  }

  /**
   * The change from {@code before} to {@code after} made by replacing policy {@code old} with {@code next} (either
   * null for an addition or a removal; both of one namespace and name).
   */
  static PolicyChange of(PeerAuthentications before, PeerAuthentications after, PeerAuthenticationPolicy old,
      PeerAuthenticationPolicy next) {
    if (Objects.equals(old, next)) {
      return NONE;
    }
    String namespace = (next != null ? next : old).namespace();
    if (!namespace.equals(after.rootNamespace())) {
      return new PolicyChange(before, after, false, Set.of(namespace));
    }
    boolean meshWide = old != null && old.namespaceWide() || next != null && next.namespaceWide();
    // a selector policy in the root namespace applies to nothing, before or after
    return new PolicyChange(before, after, meshWide, Set.of());
  }

  /** True when no workload's mTLS can have changed. */
  public boolean isEmpty() {
    return !meshWide && namespaces.isEmpty();
  }

  /** True when the workload's composed mTLS (workload-wide or at any port) differs before and after. */
  public boolean affects(String namespace, Map<String, String> labels) {
    if (!meshWide && !namespaces.contains(namespace)) {
      return false;
    }
    return !before.forWorkload(namespace, labels).equals(after.forWorkload(namespace, labels));
  }

  /**
   * True when the namespace's client-side mode ({@link PeerAuthentications#namespaceMode}) differs before and
   * after, so clients of services in that namespace may need other cluster TLS.
   */
  public boolean namespaceModeChanged(String namespace) {
    if (isEmpty() || !meshWide && !namespaces.contains(namespace)) {
      return false;
    }
    return before.namespaceMode(namespace) != after.namespaceMode(namespace);
  }

  /** This change followed by {@code next} as one (for a batch of updates pushed together). */
  public PolicyChange then(PolicyChange next) {
    if (next.before == null) {
      return this;
    }
    if (before == null) {
      return next;
    }
    Set<String> union = new HashSet<>(namespaces);
    union.addAll(next.namespaces);
    return new PolicyChange(before, next.after, meshWide || next.meshWide, union);
  }
}
