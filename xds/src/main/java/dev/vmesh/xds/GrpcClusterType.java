package dev.vmesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * {@code GrpcClusterType} is CDS for proxyless gRPC clients: every visible service port is a cluster
 * {@code outbound|port||host}, over EDS, or LOGICAL_DNS for DNS resolutions (left out while the
 * service has no endpoint: gRPC wants exactly one), with mutual TLS when automatic mTLS picks it for
 * every endpoint ({@link GrpcTls#client}: the endpoints' {@code tlsMode} and PeerAuthentication, as for
 * sidecars). A cluster changes with the service's shape, with what its mTLS policy reads, and with the
 * endpoints of a DNS service (they live in the cluster).
 */
final class GrpcClusterType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.CLUSTER;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(UpstreamTlsContext.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.proxyless();
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        out.add(s.cluster(p.number()).name());
      }
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    MeshView.ServicePortRef ref = mesh.cluster(ClusterKey.ofName(name), proxy.namespace());
    if (ref == null) {
      return null;
    }
    Cluster.Builder c = Cluster.newBuilder().setName(name).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
    switch (ref.service().resolution()) {
      case DNS, DNS_ROUND_ROBIN -> {
        ClusterLoadAssignment cla = EnvoyProtos.loadAssignment(name, ref.service(), ref.port().number(),
            EnvoyProtos.Targets.HOSTS_AND_IPS, e -> false);
        if (cla.getEndpointsCount() == 0) {
          // gRPC takes a LOGICAL_DNS cluster only with exactly one endpoint, and rejects the whole
          // response otherwise: no cluster until the service has one (calls fail as for no endpoints)
          return null;
        }
        c.setType(DiscoveryType.LOGICAL_DNS).setLoadAssignment(EnvoyProtos.firstHostOnly(cla));
      }
      case STATIC, NONE, DYNAMIC_DNS -> {
        EnvoyProtos.eds(c, name);
        GrpcTls.client(c, GrpcTls.Policy.of(ref.service(), mesh.mtls()),
            ref.service().cluster(ref.port().number()).sni());
      }
    }
    return XdsResource.of(name, c.build());
  }

  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    boolean dns = change.states().stream().anyMatch(s -> s.resolution().isDns());
    if (change.shapeChanged() || dns && change.endpointsChanged()
        || !Objects.equals(GrpcTls.Policy.inputs(change.previous()), GrpcTls.Policy.inputs(change.next()))) {
      ServiceNames.outboundClusters(change, names);
    }
  }

  /** A Sidecar change may change which names a wildcard subscription covers. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.rescopes(proxy);
  }
}
