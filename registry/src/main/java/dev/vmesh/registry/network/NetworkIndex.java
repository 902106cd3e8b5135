package dev.vmesh.registry.network;

import dev.vmesh.api.MeshNetworks;
import dev.vmesh.api.ResourceKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code NetworkIndex} keeps the mesh's network gateways as objects come and go and publishes them as a
 * {@link Networks} snapshot. Sources, as istiod unites them: a WorkloadEntry that is a gateway (its own
 * registration, labelled {@code topology.istio.io/network}), meshNetworks gateways by {@code address}, and
 * meshNetworks gateways by {@code registryServiceName} (the addresses of that service's endpoints; only for
 * a network holding this registry, {@code fromRegistry: Kubernetes}). Owned by the registry's update thread.
 */
public final class NetworkIndex {
  private final MeshNetworks mesh;
  private final List<NetworkGateway> configured = new ArrayList<>();
  /** registryServiceName host to the networks and ports naming it. */
  private final Map<String, List<NetworkGateway>> byServiceName = new HashMap<>();
  private final Map<ResourceKey, NetworkGateway> fromEntries = new HashMap<>();
  private final Map<String, List<NetworkGateway>> fromServices = new HashMap<>();
  private volatile Networks snapshot;

  public NetworkIndex(MeshNetworks mesh) {
    this.mesh = mesh;
    mesh.networks().forEach((name, n) -> {
      for (MeshNetworks.Gateway g : n.gateways()) {
        if (!g.address().isEmpty()) {
          configured.add(new NetworkGateway(name, g.address(), g.port(), "meshNetworks"));
        } else if (n.holdsRegistry()) {
          byServiceName.computeIfAbsent(g.registryServiceName(), h -> new ArrayList<>())
              .add(new NetworkGateway(name, "", g.port(), "meshNetworks registryServiceName " + g.registryServiceName()));
        }
      }
    });
    this.snapshot = build();
  }

  /** The gateways now. */
  public Networks snapshot() {
    return snapshot;
  }

  /** The service hosts whose endpoints are gateways ({@code registryServiceName}). */
  public Set<String> serviceNames() {
    return byServiceName.keySet();
  }

  /** Records what WorkloadEntry {@code key} is now: a gateway, or (null) none; true when the gateways changed. */
  public boolean putEntry(ResourceKey key, NetworkGateway gateway) {
    NetworkGateway old = gateway == null ? fromEntries.remove(key) : fromEntries.put(key, gateway);
    return !Objects.equals(old, gateway) && publish();
  }

  /** Records the endpoint addresses of the services named {@code host}; true when the gateways changed. */
  public boolean putService(String host, Set<String> addresses) {
    List<NetworkGateway> named = byServiceName.get(host);
    if (named == null) {
      return false;
    }
    List<NetworkGateway> gateways = new ArrayList<>();
    for (NetworkGateway n : named) {
      for (String a : new TreeSet<>(addresses)) {
        gateways.add(new NetworkGateway(n.network(), a, n.port(), n.source()));
      }
    }
    List<NetworkGateway> old = gateways.isEmpty() ? fromServices.remove(host) : fromServices.put(host, gateways);
    return !Objects.equals(old == null ? List.of() : old, gateways) && publish();
  }

  private boolean publish() {
    Networks next = build();
    boolean changed = !next.equals(snapshot);
    snapshot = next;
    return changed;
  }

  private Networks build() {
    List<NetworkGateway> all = new ArrayList<>(configured);
    all.addAll(fromEntries.values());
    fromServices.values().forEach(all::addAll);
    return new Networks(all, mesh);
  }
}
