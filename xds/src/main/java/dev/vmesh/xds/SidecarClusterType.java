package dev.vmesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code SidecarClusterType} is CDS for Envoy sidecars. Every visible service port is an outbound
 * cluster {@code outbound|port||host}, by resolution: STATIC EDS (mutual TLS per endpoint,
 * {@link ClusterTls#sidecar}), DNS STRICT_DNS, DNS_ROUND_ROBIN LOGICAL_DNS (STRICT_DNS without
 * endpoints), NONE ORIGINAL_DST; plus {@code inbound|port||} for each port the proxy's own workload
 * serves, and the BlackHoleCluster and PassthroughCluster. The inbound clusters come and go with the
 * endpoints at the proxy's own IPs.
 */
final class SidecarClusterType implements ResourceType {

  @Override
  public String typeUrl() {
    return TypeUrls.CLUSTER;
  }

  @Override
  public String shortName() {
    return "cds";
  }

  @Override
  public boolean fullState() {
    return true;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(Cluster.getDescriptor(), UpstreamTlsContext.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return !proxy.proxyless();
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      for (ServicePort p : s.ports()) {
        out.add(s.cluster(p.number()).name());
      }
    }
    out.add(EnvoyProtos.BLACKHOLE);
    out.add(EnvoyProtos.PASSTHROUGH);
    for (int port : mesh.inboundPorts(proxy)) {
      out.add(ClusterKey.inbound(port).name());
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (name.equals(EnvoyProtos.BLACKHOLE)) {
      return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.STATIC)
          .setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT).build());
    }
    if (name.equals(EnvoyProtos.PASSTHROUGH)) {
      return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.ORIGINAL_DST)
          .setLbPolicy(LbPolicy.CLUSTER_PROVIDED).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT).build());
    }
    ClusterKey key = ClusterKey.ofName(name);
    if (key != null && key.direction() == ClusterKey.Direction.INBOUND) {
      return inbound(name, key.port());
    }
    MeshView.ServicePortRef ref = mesh.cluster(key, proxy.namespace());
    if (ref == null) {
      return null;
    }
    Cluster.Builder c = Cluster.newBuilder().setName(name).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLbPolicy(LbPolicy.ROUND_ROBIN);
    Resolution resolution = ref.service().resolution();
    switch (resolution) {
      case DNS, DNS_ROUND_ROBIN -> {
        ClusterLoadAssignment cla = EnvoyProtos.loadAssignment(name, ref.service(), ref.port().number(),
            EnvoyProtos.Targets.HOSTS_AND_IPS);
        // Envoy takes a LOGICAL_DNS cluster only with exactly one endpoint; without any, STRICT_DNS
        boolean strict = resolution == Resolution.DNS || cla.getEndpointsCount() == 0;
        c.setType(strict ? DiscoveryType.STRICT_DNS : DiscoveryType.LOGICAL_DNS)
            .setLoadAssignment(strict ? cla : EnvoyProtos.firstHostOnly(cla));
      }
      case NONE, DYNAMIC_DNS -> c.setType(DiscoveryType.ORIGINAL_DST).setLbPolicy(LbPolicy.CLUSTER_PROVIDED);
      case STATIC -> {
        EnvoyProtos.eds(c, name);
        ClusterTls.sidecar(c, ref.service().cluster(ref.port().number()).sni());
      }
    }
    return XdsResource.of(name, c.build());
  }

  private static XdsResource inbound(String name, int port) {
    return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.STATIC)
        .setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(LbEndpoint.newBuilder()
                    .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                        .setAddress(EnvoyProtos.socket("127.0.0.1", port))))))
        .build());
  }

  /** The TLS policy of proxyless clients does not matter here: sidecars choose TLS per endpoint. */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    boolean dns = change.states().stream().anyMatch(s -> s.resolution().isDns());
    if (change.shapeChanged() || dns && change.endpointsChanged()) {
      ServiceNames.outboundClusters(change, names);
    }
  }

  /** The proxy's inbound clusters follow the endpoints at its own IPs. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.touches(proxy);
  }
}
