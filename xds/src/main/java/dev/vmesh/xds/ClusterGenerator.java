package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.EdsClusterConfig;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code ClusterGenerator} builds CDS. Every visible service port is an outbound cluster
 * {@code outbound|port||host}. For proxyless gRPC: EDS, or LOGICAL_DNS for DNS resolutions (left out
 * while the service has no endpoint: gRPC wants exactly one). For Envoy sidecars, by resolution: STATIC
 * EDS, DNS STRICT_DNS, DNS_ROUND_ROBIN LOGICAL_DNS (STRICT_DNS without endpoints), NONE ORIGINAL_DST;
 * plus {@code inbound|port||} for each port the proxy's own workload serves, and the
 * BlackHoleCluster and PassthroughCluster.
 */
final class ClusterGenerator implements Generator {

  @Override
  public String typeUrl() {
    return TypeUrls.CLUSTER;
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy.namespace())) {
      for (ServicePort p : s.ports()) {
        out.add(s.cluster(p.number()).name());
      }
    }
    if (!proxy.proxyless()) {
      out.add(EnvoyProtos.BLACKHOLE);
      out.add(EnvoyProtos.PASSTHROUGH);
      for (int port : inboundPorts(proxy, mesh)) {
        out.add(ClusterKey.inbound(port).name());
      }
    }
    return out;
  }

  /** The ports the proxy's own workload serves: endpoint ports of services with an endpoint at its IP. */
  static Set<Integer> inboundPorts(Proxy proxy, MeshView mesh) {
    Set<Integer> ports = new java.util.TreeSet<>();
    for (String ip : proxy.ips()) {
      for (Service s : mesh.registry().servicesWithEndpointAt(ip)) {
        for (Endpoint e : s.endpoints()) {
          if (e.address().equals(ip) && e.port() > 0) {
            ports.add(e.port());
          }
        }
      }
    }
    return ports;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    if (!proxy.proxyless()) {
      if (name.equals(EnvoyProtos.BLACKHOLE)) {
        return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.STATIC)
            .setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT).build());
      }
      if (name.equals(EnvoyProtos.PASSTHROUGH)) {
        return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.ORIGINAL_DST)
            .setLbPolicy(LbPolicy.CLUSTER_PROVIDED).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT).build());
      }
    }
    ClusterKey key = ClusterKey.ofName(name);
    if (!proxy.proxyless() && key != null && key.direction() == ClusterKey.Direction.INBOUND) {
      return inbound(name, key.port());
    }
    MeshView.ServicePortRef ref = mesh.cluster(key, proxy.namespace());
    if (ref == null) {
      return null;
    }
    Cluster.Builder c = Cluster.newBuilder().setName(name).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLbPolicy(LbPolicy.ROUND_ROBIN);
    switch (ref.service().resolution()) {
      case DNS, DNS_ROUND_ROBIN -> {
        ClusterLoadAssignment cla = EnvoyProtos.loadAssignment(name, ref.service(), ref.port().number(),
            EnvoyProtos.Targets.HOSTS_AND_IPS);
        if (cla.getEndpointsCount() == 0 && proxy.proxyless()) {
          // gRPC takes a LOGICAL_DNS cluster only with exactly one endpoint, and rejects the whole
          // response otherwise: no cluster until the service has one (calls fail as for no endpoints)
          return null;
        }
        // Envoy takes a LOGICAL_DNS cluster only with one endpoint too; without any, STRICT_DNS
        boolean strict = !proxy.proxyless()
            && (ref.service().resolution() == dev.vmesh.api.Resolution.DNS || cla.getEndpointsCount() == 0);
        c.setType(strict ? DiscoveryType.STRICT_DNS : DiscoveryType.LOGICAL_DNS);
        if (!strict) {
          // LOGICAL_DNS takes exactly one host
          var first = cla.getEndpoints(0).toBuilder().clearLbEndpoints().addLbEndpoints(
              cla.getEndpoints(0).getLbEndpoints(0));
          cla = cla.toBuilder().clearEndpoints().addEndpoints(first).build();
        }
        c.setLoadAssignment(cla);
      }
      case NONE, DYNAMIC_DNS -> {
        if (proxy.proxyless()) {
          eds(c, name);
        } else {
          c.setType(DiscoveryType.ORIGINAL_DST).setLbPolicy(LbPolicy.CLUSTER_PROVIDED);
        }
      }
      case STATIC -> eds(c, name);
    }
    if (c.getType() == DiscoveryType.EDS) {
      String sni = ref.service().cluster(ref.port().number()).sni();
      if (proxy.proxyless()) {
        ClusterTls.proxyless(c, ClusterTls.Policy.of(ref.service()), sni);
      } else {
        ClusterTls.sidecar(c, sni);
      }
    }
    return XdsResource.of(name, c.build());
  }

  private static void eds(Cluster.Builder c, String name) {
    c.setType(DiscoveryType.EDS).setEdsClusterConfig(EdsClusterConfig.newBuilder()
        .setEdsConfig(EnvoyProtos.ads()).setServiceName(name));
  }

  private static XdsResource inbound(String name, int port) {
    return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.STATIC)
        .setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                    .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                        .setAddress(EnvoyProtos.socket("127.0.0.1", port))))))
        .build());
  }
}
