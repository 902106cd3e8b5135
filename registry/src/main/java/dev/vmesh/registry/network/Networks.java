package dev.vmesh.registry.network;

import dev.vmesh.api.MeshNetworks;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code Networks} is an immutable snapshot of the mesh's networks: the gateways of each network (from the
 * gateways' own WorkloadEntries and from {@code meshNetworks}) and the network of an endpoint that names
 * none. The mesh is multi-network as soon as one gateway exists; then EDS splits the horizon per proxy.
 * Any thread may read it.
 */
public final class Networks {
  /** No gateways and no meshNetworks. */
  public static final Networks NONE = new Networks(List.of(), MeshNetworks.NONE);

  private final Map<String, List<NetworkGateway>> byNetwork;
  private final List<NetworkGateway> all;
  private final MeshNetworks meshNetworks;
  private final long scaleFactor;

  Networks(List<NetworkGateway> gateways, MeshNetworks meshNetworks) {
    List<NetworkGateway> sorted = new ArrayList<>(gateways.stream().distinct().toList());
    sorted.sort(NetworkGateway.ORDER);
    Map<String, List<NetworkGateway>> by = new TreeMap<>();
    for (NetworkGateway g : sorted) {
      by.computeIfAbsent(g.network(), n -> new ArrayList<>()).add(g);
    }
    by.replaceAll((n, l) -> List.copyOf(l));
    this.byNetwork = Collections.unmodifiableMap(by);
    this.all = List.copyOf(sorted);
    this.meshNetworks = meshNetworks;
    long lcm = 1;
    for (List<NetworkGateway> l : by.values()) {
      lcm = lcm(lcm, l.size());
    }
    this.scaleFactor = lcm;
  }

  /** Whether any network has a gateway: then EDS is split per proxy network. */
  public boolean multiNetwork() {
    return !all.isEmpty();
  }

  /** The gateways of {@code network}, sorted; empty for a network without any (or the empty network). */
  public List<NetworkGateway> gateways(String network) {
    return network.isEmpty() ? List.of() : byNetwork.getOrDefault(network, List.of());
  }

  /** Every gateway, sorted by network, address, port. */
  public List<NetworkGateway> all() {
    return all;
  }

  /** The configured meshNetworks. */
  public MeshNetworks meshNetworks() {
    return meshNetworks;
  }

  /**
   * What every endpoint weight is multiplied by before it is split among gateways: the least common
   * multiple of the gateway counts per network, so each network's split divides evenly (vmesh has one
   * cluster, so Istio's per-(network, cluster) counts are the same).
   */
  public long scaleFactor() {
    return scaleFactor;
  }

  /**
   * The network of an endpoint at {@code address} that names {@code network} (empty when it names none):
   * its own, else what meshNetworks says of it, else empty.
   */
  public String networkOf(String network, String address) {
    return network.isEmpty() ? meshNetworks.networkOf(address) : network;
  }

  private static long lcm(long a, long b) {
    long x = a;
    long y = b;
    while (y != 0) {
      long t = x % y;
      x = y;
      y = t;
    }
    long out = a / x * b;
    return out > Integer.MAX_VALUE ? Integer.MAX_VALUE : out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Networks n && n.all.equals(all) && n.meshNetworks.equals(meshNetworks);
  }

  @Override
  public int hashCode() {
    return all.hashCode();
  }
}
