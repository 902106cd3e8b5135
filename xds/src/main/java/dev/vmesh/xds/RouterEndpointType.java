package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code RouterEndpointType} is EDS for network gateways: the endpoints of their STATIC clusters, split per the
 * gateway's network and requested view ({@link SplitHorizon}: a gateway asks for its own network, so it forwards
 * only inside it). The SNI-DNAT clusters ({@code outbound_.PORT_._.HOST}) keep only endpoints that take mTLS
 * ({@code tlsMode: istio}): plain-text workloads cannot be reached through 15443.
 */
final class RouterEndpointType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.ENDPOINT;
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.router();
  }

  @Override
  public String cacheVariant(Proxy proxy) {
    return "router/" + proxy.namespace() + "/" + proxy.network() + "/" + String.join(",", proxy.requestedNetworkView());
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new TreeSet<>();
    for (String name : RouterPlan.of(proxy, mesh).clusters()) {
      MeshView.ServicePortRef ref = RouterClusterType.ref(name, proxy, mesh);
      if (ref != null && !ref.service().resolution().isDns()) {
        out.add(name);
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    MeshView.ServicePortRef ref = RouterClusterType.ref(name, proxy, mesh);
    if (ref == null || ref.service().resolution().isDns()) {
      return null;
    }
    List<SplitHorizon.Target> targets = EndpointType.split(proxy, mesh, ref).targets();
    if (RouterClusterType.isSni(name)) {
      targets = targets.stream().filter(SplitHorizon.Target::mtls).toList();
    }
    return XdsResource.of(name, EnvoyProtos.loadAssignment(name, targets));
  }

  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    clusterNames(change, names);
  }

  /** Adds both names a gateway may use for every port the service had or has: SNI form and {@code outbound|...}. */
  static void clusterNames(ServiceChange change, Set<String> names) {
    for (Service s : change.states()) {
      for (ServicePort p : s.ports()) {
        names.add(s.cluster(p.number()).name());
        names.add(s.cluster(p.number()).sni());
      }
    }
  }
}
