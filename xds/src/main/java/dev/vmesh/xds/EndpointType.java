package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code EndpointType} is EDS for every proxy but network gateways ({@link RouterEndpointType}): one ClusterLoadAssignment per
 * {@code outbound|port||host} of a STATIC (or NONE) service, with the endpoints of that port that receive
 * traffic (healthy, one per address and port) grouped by locality: IPs and unix sockets for Envoy, IPs only
 * for gRPC clients, which accept nothing else. Envoy's endpoints that take mTLS carry {@code tlsMode: istio}
 * metadata ({@link AutoMtls#forEndpoint}). In a mesh of several networks the horizon is split per the
 * proxy's network ({@link SplitHorizon}): endpoints elsewhere become their network's gateways. One copy per
 * namespace, proxy kind, network and requested network view. Any change to a service touches the
 * assignments of every port it had or has; a change of the gateways is a full push.
 */
final class EndpointType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.ENDPOINT;
  }

  @Override
  public boolean serves(Proxy proxy) {
    return !proxy.router();
  }

  @Override
  public String cacheVariant(Proxy proxy) {
    // unix sockets are for Envoy only; the split horizon follows the network and the requested view
    return (proxy.proxyless() ? "grpc/" : "envoy/") + proxy.namespace() + "/" + proxy.network() + "/"
        + String.join(",", proxy.requestedNetworkView());
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy)) {
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
    return XdsResource.of(name, EnvoyProtos.loadAssignment(name, split(proxy, mesh, ref).targets()));
  }

  /** The split horizon of {@code ref}'s endpoints for {@code proxy}: what its assignment holds, what it leaves out. */
  static SplitHorizon.Result split(Proxy proxy, MeshView mesh, MeshView.ServicePortRef ref) {
    if (proxy.proxyless()) {
      return SplitHorizon.apply(proxy, mesh.networks(), EnvoyProtos.receiving(ref.service(), ref.port().number(),
          EnvoyProtos.Targets.IPS), e -> false);
    }
    MtlsPolicies policies = mesh.mtls();
    return SplitHorizon.apply(proxy, mesh.networks(), EnvoyProtos.receiving(ref.service(), ref.port().number(),
        EnvoyProtos.Targets.IPS_AND_PIPES), e -> AutoMtls.forEndpoint(ref.service(), e, policies));
  }

  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    ServiceNames.outboundClusters(change, names);
  }

  /** A Sidecar change may change which names a wildcard subscription covers. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.rescopes(proxy);
  }
}
