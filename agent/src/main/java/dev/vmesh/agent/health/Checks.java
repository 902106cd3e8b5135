package dev.vmesh.agent.health;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;

/** Small helpers the checks share. */
final class Checks {
  private Checks() {}

  /** Returns {@code port}, or throws when it is not a usable TCP port. */
  static int port(String field, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("readinessProbe." + field + ".port: " + port + " is not in 1..65535");
    }
    return port;
  }

  /** {@code host}, or {@code defaultHost} when the probe left it empty. */
  static String hostOr(String host, String defaultHost) {
    return host == null || host.isEmpty() ? defaultHost : host;
  }

  /** {@code host:port}, with an IPv6 literal in brackets. */
  static String authority(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  /** A short description of {@code e} for a failure message. */
  static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  /**
   * Why a check could not reach its workload, in the same words for every kind of check: "connection
   * refused" when nothing listens, "no route to host", "unknown host NAME"; otherwise
   * {@link #describe}.
   */
  static String failure(Throwable e) {
    String network = networkFailure(e);
    return network != null ? network : describe(e);
  }

  /** The network reason in {@code e}'s causes ("connection refused", ...), or null when there is none. */
  static String networkFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          && (t.getMessage() == null || t.getMessage().toLowerCase(Locale.ROOT).contains("refused"))) {
        return "connection refused";
      }
      if (t instanceof NoRouteToHostException) {
        return "no route to host";
      }
      if (t instanceof UnknownHostException) {
        return "unknown host " + t.getMessage();
      }
    }
    return null;
  }

  /** {@code d} in the form users write timeouts in ("1s", "1.5s"). */
  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() / 1000.0 + "s";
  }
}
