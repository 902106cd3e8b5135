package dev.vmesh.xds;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import dev.vmesh.api.Protocols;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.core.v3.BindConfig;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code SidecarClusterType} is CDS for Envoy sidecars. Every visible service port is an outbound
 * cluster {@code outbound|port||host}, by resolution: STATIC EDS, DNS STRICT_DNS, DNS_ROUND_ROBIN
 * LOGICAL_DNS (STRICT_DNS without endpoints), NONE ORIGINAL_DST; EDS and DNS clusters of services that
 * may use mTLS ({@link AutoMtls}) choose it per endpoint ({@code tlsMode-istio}, then
 * {@code tlsMode-disabled}; {@link SidecarTls#upstream}). Then {@code inbound|port||} for each target
 * port the proxy's own workload serves and the InboundPassthroughCluster (original destination, from
 * 127.0.0.6), the PassthroughCluster and the BlackHoleCluster. The inbound clusters come and go with
 * the endpoints at the proxy's own IPs.
 */
final class SidecarClusterType implements ResourceType {

  @Override
  public XdsType xdsType() {
    return XdsType.CLUSTER;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(UpstreamTlsContext.getDescriptor(),
        RawBuffer.getDescriptor(),
        HttpProtocolOptions.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return !proxy.proxyless() && !proxy.router();
  }

  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    Set<String> out = new LinkedHashSet<>();
    for (Service s : mesh.visibleServices(proxy)) {
      for (ServicePort p : s.ports()) {
        out.add(s.cluster(p.number()).name());
      }
    }
    out.add(EnvoyProtos.BLACKHOLE);
    out.add(EnvoyProtos.PASSTHROUGH);
    out.add(InboundListener.PASSTHROUGH);
    for (int port : mesh.inboundPorts(proxy)) {
      out.add(ClusterKey.inbound(port).name());
    }
    return out;
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    switch (name) {
      case EnvoyProtos.BLACKHOLE -> {
        return XdsResource.of(name, Cluster.newBuilder().setName(name).setType(DiscoveryType.STATIC)
            .setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT).build());
      }
      case EnvoyProtos.PASSTHROUGH -> {
        return XdsResource.of(name, originalDestination(name)
            .putTypedExtensionProtocolOptions(HTTP_OPTIONS, Any.pack(downstreamProtocol()
                .setCommonHttpProtocolOptions(io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                    .setIdleTimeout(Duration.newBuilder().setSeconds(300)))
                .build()))
            .build());
      }
      case InboundListener.PASSTHROUGH -> {
        return XdsResource.of(name, inbound(name));
      }
      default -> { }
    }
    ClusterKey key = ClusterKey.ofName(name);
    if (key != null && key.direction() == ClusterKey.Direction.INBOUND) {
      return XdsResource.of(name, inbound(name)); // the same for every proxy: which ones exist is wildcardNames'
    }
    MeshView.ServicePortRef ref = mesh.cluster(key, proxy);
    if (ref == null) {
      return null;
    }
    Service service = ref.service();
    Cluster.Builder c = Cluster.newBuilder().setName(name).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT)
        .setLbPolicy(LbPolicy.ROUND_ROBIN);
    boolean http2 = isHttp2(ref.port().protocol());
    if (http2) {
      c.putTypedExtensionProtocolOptions(HTTP_OPTIONS, Any.pack(HttpProtocolOptions.newBuilder()
          .setExplicitHttpConfig(HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
              .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
          .build()));
    } else if (EnvoyProtos.isAutoDetected(ref.port().protocol())) {
      // HTTP/1.1 or HTTP/2 upstream as the sniffed request came (the TCP chain ignores it), as Istio does
      c.putTypedExtensionProtocolOptions(HTTP_OPTIONS, Any.pack(downstreamProtocol().build()));
    }
    MtlsPolicies policies = mesh.mtls();
    boolean mtls = AutoMtls.forService(service, policies);
    Resolution resolution = service.resolution();
    switch (resolution) {
      case DNS, DNS_ROUND_ROBIN -> {
        ClusterLoadAssignment cla = EnvoyProtos.loadAssignment(name, service, ref.port().number(),
            EnvoyProtos.Targets.HOSTS_AND_IPS, e -> AutoMtls.forEndpoint(service, e, policies));
        // Envoy takes a LOGICAL_DNS cluster only with exactly one endpoint; without any, STRICT_DNS
        boolean strict = resolution == Resolution.DNS || cla.getEndpointsCount() == 0;
        c.setType(strict ? DiscoveryType.STRICT_DNS : DiscoveryType.LOGICAL_DNS)
            .setLoadAssignment(strict ? cla : EnvoyProtos.firstHostOnly(cla));
      }
      case NONE, DYNAMIC_DNS -> {
        // all-or-nothing for original-destination clusters, as in Istio: no per-endpoint choice, plain text
        mtls = false;
        c.setType(DiscoveryType.ORIGINAL_DST).setLbPolicy(LbPolicy.CLUSTER_PROVIDED);
      }
      case STATIC -> EnvoyProtos.eds(c, name);
    }
    if (mtls) {
      SidecarTls.perEndpoint(c, SidecarTls.upstream(key.sni(), AutoMtls.identities(service), http2));
    }
    return XdsResource.of(name, c.build());
  }

  static final String HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  /** HTTP/2 to the endpoints: HTTP2 and GRPC ports. */
  static boolean isHttp2(String protocol) {
    String c = Protocols.canonical(protocol).orElse("");
    return c.equals("HTTP2") || c.equals("GRPC");
  }

  private static Cluster.Builder originalDestination(String name) {
    return Cluster.newBuilder().setName(name).setType(DiscoveryType.ORIGINAL_DST)
        .setLbPolicy(LbPolicy.CLUSTER_PROVIDED).setConnectTimeout(EnvoyProtos.CONNECT_TIMEOUT);
  }

  /**
   * Delivery to the workload: to the connection's original destination (the VM's address and port),
   * from 127.0.0.6, which capture leaves alone, so the connection does not come back to Envoy. HTTP goes
   * to the app in the protocol it came in (HTTP/2 for gRPC, which would fail over HTTP/1.1; Istio picks
   * by the port's protocol, which would make these clusters differ per proxy).
   */
  private static Cluster inbound(String name) {
    return originalDestination(name).setUpstreamBindConfig(BindConfig.newBuilder()
            .setSourceAddress(SocketAddress.newBuilder().setAddress(INBOUND_SOURCE).setPortValue(0)))
        .putTypedExtensionProtocolOptions(HTTP_OPTIONS, Any.pack(downstreamProtocol().build())).build();
  }

  /** HTTP/1.1 or HTTP/2 upstream, whichever the downstream connection speaks. */
  private static HttpProtocolOptions.Builder downstreamProtocol() {
    return HttpProtocolOptions.newBuilder()
        .setUseDownstreamProtocolConfig(HttpProtocolOptions.UseDownstreamHttpConfig.newBuilder()
            .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance())
            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()));
  }

  /** Source address of connections from Envoy to its own workload. */
  static final String INBOUND_SOURCE = "127.0.0.6";

  /** The TLS policy of proxyless clients does not matter here: sidecars choose TLS per endpoint. */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {
    boolean dns = change.states().stream().anyMatch(s -> s.resolution().isDns());
    boolean identities = change.previous() == null || change.next() == null
        || !AutoMtls.identities(change.previous()).equals(AutoMtls.identities(change.next()));
    if (change.shapeChanged() || dns && change.endpointsChanged() || change.endpointsChanged() && identities) {
      ServiceNames.outboundClusters(change, names);
    }
  }

  /** The proxy's inbound clusters follow the endpoints at its own IPs, its outbound ones its Sidecar. */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.touches(proxy) || request.rescopes(proxy);
  }

  @Override
  public boolean staleAll(PushRequest request) {
    return request.rescopesAny();
  }

  /** Which outbound clusters exist follows the proxy's Sidecar. */
  @Override
  public boolean scoped() {
    return true;
  }

}
