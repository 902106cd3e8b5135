package dev.vmesh.xds;

import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code RouterClusterType} is CDS for network gateways: the clusters their listeners forward to
 * ({@link RouterPlan}), without any TLS setting (the gateway passes TLS through): {@code outbound_.PORT_._.HOST}
 * for AUTO_PASSTHROUGH chains (Istio's SNI-DNAT clusters) and {@code outbound|PORT||HOST} for VirtualService
 * destinations. STATIC services get EDS ({@link RouterEndpointType}), DNS services their hosts inline; services
 * resolved NONE or DYNAMIC_DNS get no cluster (a gateway has no original destination to forward to).
 */
final class RouterClusterType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.CLUSTER;
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.router();
  }

  @Override
  public String cacheVariant(Proxy proxy) {
    return RouterPlan.cacheVariant(proxy);
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    return new TreeSet<>(RouterPlan.of(proxy, mesh).clusters());
  }

  /** The service port a gateway cluster name (SNI form or {@code outbound|...}) refers to, or null. */
  static MeshView.ServicePortRef ref(String name, Proxy proxy, MeshView mesh) {
    ClusterKey key = isSni(name) ? ClusterKey.ofSni(name) : ClusterKey.ofName(name);
    return mesh.cluster(key, proxy.namespace());
  }

  /** Whether {@code name} is an SNI-DNAT cluster: only endpoints that take mTLS may be reached through it. */
  static boolean isSni(String name) {
    return name.startsWith("outbound_.");
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    MeshView.ServicePortRef ref = ref(name, proxy, mesh);
    if (ref == null) {
      return null;
    }
    Service service = ref.service();
    Cluster.Builder c = Cluster.newBuilder().setName(name).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLbPolicy(LbPolicy.ROUND_ROBIN);
    switch (service.resolution()) {
      case STATIC -> EnvoyProtos.eds(c, name);
      case DNS, DNS_ROUND_ROBIN -> {
        MtlsPolicies policies = mesh.mtls();
        List<SplitHorizon.Target> targets = new ArrayList<>();
        for (var e : EnvoyProtos.receiving(service, ref.port().number(), EnvoyProtos.Targets.HOSTS_AND_IPS)) {
          boolean mtls = AutoMtls.forEndpoint(service, e, policies);
          if (mtls || !isSni(name)) {
            targets.add(new SplitHorizon.Target(e.address(), e.port(), false, e.locality(), Math.max(1, e.weight()),
                mtls));
          }
        }
        ClusterLoadAssignment cla = EnvoyProtos.loadAssignment(name, targets);
        c.setType(DiscoveryType.STRICT_DNS).setLoadAssignment(cla);
      }
      default -> {
        return null;
      }
    }
    return XdsResource.of(name, c.build());
  }

  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    boolean dns = change.states().stream().anyMatch(s -> s.resolution().isDns());
    if (change.shapeChanged() || dns && change.endpointsChanged()) {
      RouterEndpointType.clusterNames(change, names);
    }
  }

  /** Which services the gateway forwards to follows every service's shape. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.shapesChanged();
  }
}
