package dev.vmesh.controlplane.http;

import dev.vmesh.api.Listeners;
import dev.vmesh.http.HttpLimits;
import dev.vmesh.http.HttpMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * {@code AdminHttp} opens the server's HTTP port (15014: readiness, metrics, debug pages, admin API)
 * with the server's routes. The debug pages need the admin token unless the port is on loopback only.
 */
public final class AdminHttp {
  private AdminHttp() {}

  /** The started port, or null when {@code address} is null (the port is off). */
  public static Http start(InetSocketAddress address, HttpLimits limits, String adminToken,
      PrometheusRegistry metrics, ServerRoutes routes) throws IOException {
    if (address == null) {
      return null;
    }
    Http http = new Http(address, adminToken, limits, new HttpMetrics(metrics, "vmesh_"));
    boolean loopbackOnly = address.getAddress() != null && address.getAddress().isLoopbackAddress();
    routes.install(http, !loopbackOnly);
    try {
      http.start();
    } catch (IOException e) {
      http.close();
      throw Listeners.isBindFailure(e) ? Listeners.bindFailed("HTTP (15014: readiness, metrics, debug pages,"
          + " admin API)", address, "--http-address", "--http-address off", e) : e;
    }
    return http;
  }
}
