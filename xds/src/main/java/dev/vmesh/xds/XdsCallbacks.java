package dev.vmesh.xds;

import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;

/**
 * {@code XdsCallbacks} lets other parts of the server (auto-registration, health) hook into ADS streams
 * without the stream code knowing them. Every method has a no-op default. Calls for one connection come
 * one at a time and in order (connect first, disconnect last), on threads meant for this that may
 * block, never on the push threads.
 */
public interface XdsCallbacks {
  XdsCallbacks NONE = new XdsCallbacks() {};

  /**
   * A proxy opened a stream and sent its first request, which is answered only after this returns.
   * Throw {@code StatusRuntimeException} to refuse it; the stream is closed with that status before
   * anything is sent, and no disconnect follows.
   */
  default void onConnect(Proxy proxy, String connectionId) {}

  /** The stream ended (client gone, error, or server shutdown). */
  default void onDisconnect(Proxy proxy, String connectionId) {}

  /** A request of type {@link TypeUrls#HEALTH_INFO}: the agent's probe result. */
  default void onHealthReport(Proxy proxy, DiscoveryRequest request) {}

  /** The proxy rejected a response. */
  default void onNack(Proxy proxy, String typeUrl, String message) {}
}
