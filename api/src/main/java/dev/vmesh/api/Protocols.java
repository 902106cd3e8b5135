package dev.vmesh.api;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** {@code Protocols} knows Istio's port protocol names and families (case-insensitive, as Istio parses). */
public final class Protocols {
  /** Canonical spelling of each accepted protocol, keyed by lower case. */
  private static final Map<String, String> KNOWN = Map.ofEntries(
      Map.entry("tcp", "TCP"), Map.entry("udp", "UDP"), Map.entry("grpc", "GRPC"),
      Map.entry("grpc-web", "GRPC-Web"), Map.entry("http", "HTTP"), Map.entry("http_proxy", "HTTP_PROXY"),
      Map.entry("http2", "HTTP2"), Map.entry("https", "HTTPS"), Map.entry("tls", "TLS"),
      Map.entry("mongo", "Mongo"), Map.entry("redis", "Redis"), Map.entry("mysql", "MySQL"));

  private Protocols() {}

  /** The canonical name of {@code protocol}, or empty if Istio would not parse it. "" is sniffing. */
  public static Optional<String> canonical(String protocol) {
    return Optional.ofNullable(KNOWN.get(protocol.toLowerCase(Locale.ROOT)));
  }

  /**
   * Whether a sidecar detects the protocol of each connection on a port of {@code protocol} (HTTP or
   * anything else): a port without a protocol, Istio's "unsupported" protocol. A ServiceEntry port's
   * protocol comes from its {@code protocol} field alone, as in Istio (its name is not read; the name
   * prefixes and {@code appProtocol} are Istio's rules for Kubernetes Services, which vmesh does not read).
   */
  public static boolean isAutoDetected(String protocol) {
    return canonical(protocol).isEmpty();
  }

  /** HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web. */
  public static boolean isHttp(String protocol) {
    String c = canonical(protocol).orElse("");
    return c.equals("HTTP") || c.equals("HTTP2") || c.equals("HTTP_PROXY") || c.equals("GRPC")
        || c.equals("GRPC-Web");
  }

  /** HTTPS, TLS. */
  public static boolean isTls(String protocol) {
    String c = canonical(protocol).orElse("");
    return c.equals("HTTPS") || c.equals("TLS");
  }

  /** Protocols carried over plain TCP from the proxy's point of view: TCP, HTTPS, TLS, Mongo, Redis, MySQL. */
  public static boolean isTcpBased(String protocol) {
    String c = canonical(protocol).orElse("");
    return c.equals("TCP") || c.equals("HTTPS") || c.equals("TLS") || c.equals("Mongo") || c.equals("Redis")
        || c.equals("MySQL");
  }
}
