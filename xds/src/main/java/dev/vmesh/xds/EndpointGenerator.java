package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code EndpointGenerator} builds EDS: one ClusterLoadAssignment per {@code outbound|port||host} of a
 * STATIC (or NONE) service, with the endpoints of that port that receive traffic (healthy, one per
 * address and port) grouped by locality: IPs and unix sockets for Envoy, IPs only for gRPC clients,
 * which accept nothing else. One copy per namespace and proxy kind.
 */
final class EndpointGenerator implements Generator {

  @Override
  public String typeUrl() {
    return TypeUrls.ENDPOINT;
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      if (!s.resolution().isDns()) {
        for (ServicePort p : s.ports()) {
          out.add(s.cluster(p.number()).name());
        }
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    MeshView.ServicePortRef ref = mesh.cluster(ClusterKey.ofName(name), proxy.namespace());
    if (ref == null || ref.service().resolution().isDns()) {
      return null;
    }
    return XdsResource.of(name, EnvoyProtos.loadAssignment(name, ref.service(), ref.port().number(),
        proxy.proxyless() ? EnvoyProtos.Targets.IPS : EnvoyProtos.Targets.IPS_AND_PIPES));
  }
}
