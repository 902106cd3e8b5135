package dev.vmesh.api;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * {@code Listeners} turns a failure to listen into a message that names the address, what was to listen
 * there, and the flag that changes it, for every listener of server and agent.
 */
public final class Listeners {
  private Listeners() {}

  /**
   * The failure to listen on {@code address} for {@code what} (e.g. "HTTP (15014)"), whose address
   * {@code flag} sets (e.g. "--http-address"); {@code off} is how to do without the listener (e.g.
   * "--http-address off"), or null when there is no such way. {@code address} null means the cause's message
   * names it.
   */
  public static IOException bindFailed(String what, InetSocketAddress address, String flag, String off,
      Throwable cause) {
    String fix = "choose another address with " + flag + " HOST:PORT" + (off == null ? "" : " (or " + off
        + " to do without it)");
    String head = address == null ? cause.getMessage() + " (" + what + ")"
        : "cannot listen on " + hostPort(address) + " for " + what;
    String message = switch (reason(cause)) {
      case "in use" -> head + ": the address is already in use (another vmesh process, or another program, listens"
          + " there; 'ss -ltnup' shows which); stop it or " + fix;
      case "not local" -> head + ": that is not an address of this machine; " + fix;
      case "denied" -> head + ": permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE); " + fix;
      default -> head + (address == null ? "" : ": " + cause.getMessage()) + "; " + fix;
    };
    BindException e = new BindException(message);
    e.initCause(cause);
    return e;
  }

  /** Whether {@code t} (or a cause) says the address was in use or could not be bound. */
  public static boolean isBindFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BindException) {
        return true;
      }
      String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("address already in use") || m.contains("cannot assign requested address")) {
        return true;
      }
    }
    return false;
  }

  private static String reason(Throwable t) {
    if (t == null) {
      return "";
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
      if (m.contains("already in use")) {
        return "in use";
      }
      if (m.contains("cannot assign requested address")) {
        return "not local";
      }
      if (m.contains("permission denied")) {
        return "denied";
      }
    }
    return String.valueOf(t.getMessage());
  }

  /** {@code host:port}, IPv6 hosts in brackets. */
  public static String hostPort(InetSocketAddress a) {
    String host = a.getAddress() != null ? Addresses.normalize(a.getAddress().getHostAddress()) : a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
