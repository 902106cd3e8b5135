package dev.vmesh.registry.network;

import java.util.Comparator;

/**
 * {@code NetworkGateway} is one address where another network's proxies reach {@code network}: mTLS sent
 * to {@code address:port} with Istio's SNI reaches the network's endpoints (the gateway's AUTO_PASSTHROUGH
 * port, 15443 by default).
 *
 * @param source where the server learned of it: {@code WorkloadEntry NS/NAME} (the gateway's own
 *     registration), {@code meshNetworks} or {@code meshNetworks registryServiceName HOST}
 */
public record NetworkGateway(String network, String address, int port, String source) {
  /** The order gateways are emitted in: network, address, port (stable across pushes). */
  public static final Comparator<NetworkGateway> ORDER = Comparator.comparing(NetworkGateway::network)
      .thenComparing(NetworkGateway::address).thenComparingInt(NetworkGateway::port)
      .thenComparing(NetworkGateway::source);

  /** Whether the gateway's address is IPv6. */
  public boolean ipv6() {
    return address.indexOf(':') >= 0;
  }
}
