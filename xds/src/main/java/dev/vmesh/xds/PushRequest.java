package dev.vmesh.xds;

import dev.vmesh.registry.scope.SidecarChange;
import java.util.Map;
import java.util.Set;

/**
 * {@code PushRequest} says what changed in one debounced batch: per resource type the names touched,
 * plus the type-agnostic facts the types' own rules read ({@link ResourceType#affects}), so each
 * connection sends only what it subscribes to and what changed.
 *
 * @param full everything may have changed (start, resync): every connection re-checks every type
 * @param changed per resource type, the resource names whose content may have changed (or that vanished)
 * @param shapesChanged some service changed more than its endpoints (ports, addresses, visibility, ...)
 * @param touchedIps workload IPs whose workload came, went or changed its ports, labels, TLS mode or identity
 * @param startNanos when the oldest change of the batch happened ({@code System.nanoTime}), for push latency
 * @param sidecars what changed in the Sidecars (NONE if nothing): the proxies whose scope it changes
 */
record PushRequest(boolean full, Map<ResourceType, Set<String>> changed, boolean shapesChanged,
    Set<String> touchedIps, long startNanos, SidecarChange sidecars) {

  PushRequest(boolean full, Map<ResourceType, Set<String>> changed, boolean shapesChanged, Set<String> touchedIps,
      long startNanos) {
    this(full, changed, shapesChanged, touchedIps, startNanos, SidecarChange.NONE);
  }

  /** This request, also carrying the Sidecar change {@code change}. */
  PushRequest withSidecars(SidecarChange change) {
    return new PushRequest(full, changed, shapesChanged, touchedIps, startNanos, change);
  }

  /** Whether a Sidecar change gives {@code proxy} another scope (its services, or its outbound policy). */
  boolean rescopes(Proxy proxy) {
    return !sidecars.isEmpty() && sidecars.affects(proxy.namespace(), proxy.labels());
  }

  /** Whether any Sidecar changed: resources cached per scope may belong to a scope that is gone. */
  boolean rescopesAny() {
    return !sidecars.isEmpty();
  }

  static PushRequest full(long startNanos) {
    return new PushRequest(true, Map.of(), true, Set.of(), startNanos);
  }

  Set<String> changed(ResourceType type) {
    return changed.getOrDefault(type, Set.of());
  }

  /** Whether a workload at one of {@code proxy}'s own IPs came, went or changed (its inbound config follows it). */
  boolean touches(Proxy proxy) {
    if (touchedIps.isEmpty()) {
      return false;
    }
    for (String ip : proxy.ips()) {
      if (touchedIps.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the inbound side of {@code proxy}'s own workload (the ports it serves and their TLS) may have
   * changed: a service's shape, or a workload at one of its IPs.
   */
  boolean reshapesInbound(Proxy proxy) {
    return shapesChanged || touches(proxy);
  }

  /** Whether the inbound side of any proxy's workload may have changed ({@link #reshapesInbound}). */
  boolean reshapesAnyInbound() {
    return shapesChanged || !touchedIps.isEmpty();
  }
}
