package dev.vmesh.http;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * {@code HttpCall} is one request as a service sees it, read whole.
 *
 * @param path the raw (still percent-encoded) path
 * @param rawQuery the raw query string, empty when there is none
 * @param headers header names in lower case; a header sent more than once has its values joined by ", "
 * @param client the address the connection came from
 * @param local the address the connection came to
 */
public record HttpCall(String method, String path, String rawQuery, Map<String, String> headers, byte[] body,
    InetSocketAddress client, InetSocketAddress local) {

  /** The header's value (name in any case), or null. */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * Whether the call came from this machine: over loopback, or from the very address it was made to (a
   * program on the host calling one of the host's own addresses).
   */
  public boolean fromThisHost() {
    return client.getAddress() != null
        && (client.getAddress().isLoopbackAddress() || client.getAddress().equals(local.getAddress()));
  }
}
