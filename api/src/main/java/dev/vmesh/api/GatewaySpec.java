package dev.vmesh.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GatewaySpec} is the spec of an Istio Gateway ({@code networking.istio.io}), the part an east-west gateway
 * needs: which gateway workloads it configures ({@code selector}) and its servers, each a port, the hosts it
 * admits and how TLS is handled. Fields vmesh does not implement are refused when decoding, never dropped.
 *
 * @param selector labels of the gateway workloads (Istio: {@code istio: eastwestgateway})
 */
public record GatewaySpec(Map<String, String> selector, List<Server> servers) implements Spec {

  public GatewaySpec {
    selector = Maps.copy(selector);
    servers = servers == null ? List.of() : List.copyOf(servers);
  }

  @Override
  public Kind kind() {
    return Kind.GATEWAY;
  }

  /**
   * One server: a port, the hosts exposed on it ({@code [namespace/]host}, wildcards allowed), TLS handling.
   *
   * @param port null when absent (invalid)
   * @param tls null when absent
   * @param name Istio's optional server name (used in stats), empty when absent
   */
  public record Server(Port port, List<String> hosts, ServerTls tls, String name) {
    public Server {
      hosts = hosts == null ? List.of() : List.copyOf(hosts);
      name = Objects.requireNonNullElse(name, "");
    }
  }

  /**
   * A server's port.
   *
   * @param protocol as written (Istio parses it case-insensitively: {@code tls} is TLS)
   */
  public record Port(int number, String protocol, String name) {
    public Port {
      protocol = Objects.requireNonNullElse(protocol, "");
      name = Objects.requireNonNullElse(name, "");
    }
  }

  /** A server's TLS settings; vmesh implements only the mode, and of the modes only the passthrough ones. */
  public record ServerTls(TlsMode mode) {
    public ServerTls {
      mode = Objects.requireNonNullElse(mode, TlsMode.PASSTHROUGH);
    }
  }

  /** Istio's server TLS modes, in Istio's order ({@code PASSTHROUGH} is the default). */
  public enum TlsMode {
    /** Forward the connection as is, by SNI, to the service the SNI names (routed by a VirtualService). */
    PASSTHROUGH,
    SIMPLE,
    MUTUAL,
    /** Forward by SNI without a VirtualService: the SNI is Istio's {@code outbound_.PORT_._.HOST} form. */
    AUTO_PASSTHROUGH,
    ISTIO_MUTUAL,
    OPTIONAL_MUTUAL;

    /** True for the modes vmesh's gateways implement. */
    public boolean passthrough() {
      return this == PASSTHROUGH || this == AUTO_PASSTHROUGH;
    }
  }
}
