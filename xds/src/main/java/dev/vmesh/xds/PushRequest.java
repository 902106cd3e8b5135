package dev.vmesh.xds;

import java.util.Map;
import java.util.Set;

/**
 * {@code PushRequest} says what changed in one debounced batch, per xDS type, so each connection
 * sends only what it subscribes to and what changed.
 *
 * @param full everything may have changed (start, resync): every connection re-checks every type
 * @param changed per type URL, the resource names whose content may have changed (or that vanished)
 * @param sidecarListeners listeners and routes of Envoy sidecars must be rebuilt (they aggregate services by port)
 * @param touchedIps workload IPs whose endpoint membership changed: their own sidecars' inbound config changes
 * @param startNanos when the oldest change of the batch happened ({@code System.nanoTime}), for push latency
 */
record PushRequest(boolean full, Map<String, Set<String>> changed, boolean sidecarListeners, Set<String> touchedIps,
    long startNanos) {

  static PushRequest full(long startNanos) {
    return new PushRequest(true, Map.of(), true, Set.of(), startNanos);
  }

  Set<String> changed(String typeUrl) {
    return changed.getOrDefault(typeUrl, Set.of());
  }
}
