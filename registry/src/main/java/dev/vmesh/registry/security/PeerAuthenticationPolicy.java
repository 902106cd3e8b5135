package dev.vmesh.registry.security;

import dev.vmesh.api.Kind;
import dev.vmesh.api.MtlsMode;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Resource;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;

/**
 * {@code PeerAuthenticationPolicy} is what composition needs of one PeerAuthentication: where it lives, when it
 * was created, whom it selects, its mode and its port-level modes. Metadata that does not change the outcome
 * (labels, resourceVersion) is left out, so an update that only touches those compares equal.
 *
 * @param created null when the object has no creation time (a file read as is): it then counts as the oldest,
 *     as Istio's zero time does
 * @param selector {@code selector.matchLabels}, empty for a namespace-wide (or, in the root namespace, mesh-wide)
 *     policy; an empty {@code selector: {}} is namespace-wide too
 * @param ports {@code portLevelMtls} keyed by the workload's own port
 */
public record PeerAuthenticationPolicy(String namespace, String name, Instant created,
    Map<String, String> selector, MtlsMode mode, Map<Integer, MtlsMode> ports) {

  /**
   * Istio's order of age: creation time, oldest first (no time first), then name, then namespace. Where
   * several policies compete for one level the first in this order is used.
   */
  public static final Comparator<PeerAuthenticationPolicy> OLDEST_FIRST =
      Comparator.comparing(PeerAuthenticationPolicy::created, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(PeerAuthenticationPolicy::name)
          .thenComparing(PeerAuthenticationPolicy::namespace);

  public PeerAuthenticationPolicy {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    selector = Map.copyOf(selector);
    Objects.requireNonNull(mode, "mode");
    ports = Map.copyOf(ports);
  }

  /** The policy of a PeerAuthentication object. */
  public static PeerAuthenticationPolicy of(Resource r) {
    if (r.kind() != Kind.PEER_AUTHENTICATION) {
      throw new IllegalArgumentException(r + " is not a PeerAuthentication");
    }
    PeerAuthenticationSpec s = r.spec(PeerAuthenticationSpec.class);
    return new PeerAuthenticationPolicy(r.namespace(), r.name(), r.metadata().creationTimestamp(),
        s.selector() == null ? Map.of() : s.selector().labels(), s.mode(), s.ports());
  }

  /** True when the policy names no labels: it covers its whole namespace (the whole mesh in the root namespace). */
  public boolean namespaceWide() {
    return selector.isEmpty();
  }

  /** True when every selector label is on the workload with the same value (always, for a namespace-wide one). */
  public boolean selects(Map<String, String> labels) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
