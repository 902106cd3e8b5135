package dev.vmesh.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code MeshNetworks} is Istio's {@code meshNetworks} mesh setting: per network, where its endpoints are
 * (an address range, or a registry) and the gateways that take other networks' mTLS into it.
 * {@code vmesh server --mesh-networks FILE} reads it in Istio's own file format ({@code networks:}).
 *
 * @param networks by name, in file order (the first {@code fromCidr} that holds an address wins)
 */
public record MeshNetworks(Map<String, Network> networks) {
  /** No networks configured (the default). */
  public static final MeshNetworks NONE = new MeshNetworks(Map.of());

  /**
   * The cluster id of vmesh's one registry, as {@code fromRegistry} names it: Istio's default
   * {@code CLUSTER_ID}, so the common {@code fromRegistry: Kubernetes} means "this registry".
   */
  public static final String REGISTRY = "Kubernetes";

  public MeshNetworks {
    networks = Collections.unmodifiableMap(new LinkedHashMap<>(networks));
  }

  /** One network: where its endpoints are, and its gateways. */
  public record Network(List<EndpointSource> endpoints, List<Gateway> gateways) {
    public Network {
      endpoints = List.copyOf(endpoints);
      gateways = List.copyOf(gateways);
    }

    /** Whether this network holds the endpoints of vmesh's registry ({@code fromRegistry: Kubernetes}). */
    public boolean holdsRegistry() {
      return endpoints.stream().anyMatch(e -> REGISTRY.equals(e.fromRegistry()));
    }
  }

  /** Exactly one of {@code fromCidr} (a CIDR prefix) and {@code fromRegistry} (a cluster id) is set. */
  public record EndpointSource(String fromCidr, String fromRegistry) {
    public EndpointSource {
      fromCidr = Objects.requireNonNullElse(fromCidr, "");
      fromRegistry = Objects.requireNonNullElse(fromRegistry, "");
    }
  }

  /**
   * A gateway: exactly one of {@code address} (an IP) and {@code registryServiceName} (a service host
   * whose endpoints' addresses are the gateway's), and the port it takes mTLS on.
   */
  public record Gateway(String address, String registryServiceName, int port, String locality) {
    public Gateway {
      address = Objects.requireNonNullElse(address, "");
      registryServiceName = Objects.requireNonNullElse(registryServiceName, "");
      locality = Objects.requireNonNullElse(locality, "");
    }
  }

  /**
   * The network of an endpoint at {@code ip} that names none itself: the network holding the registry
   * ({@code fromRegistry: Kubernetes}), else the first whose {@code fromCidr} holds the address, else empty.
   */
  public String networkOf(String ip) {
    for (Map.Entry<String, Network> n : networks.entrySet()) {
      if (n.getValue().holdsRegistry()) {
        return n.getKey();
      }
    }
    if (!Addresses.isIp(ip)) {
      return "";
    }
    for (Map.Entry<String, Network> n : networks.entrySet()) {
      for (EndpointSource e : n.getValue().endpoints()) {
        if (!e.fromCidr().isEmpty() && Addresses.contains(e.fromCidr(), ip)) {
          return n.getKey();
        }
      }
    }
    return "";
  }
}
