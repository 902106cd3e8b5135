package dev.vmesh.xds;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import dev.vmesh.proto.Wire;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code GrpcInboundListenerType} is LDS for xDS-enabled gRPC servers (gRFC A36; grpc-java's
 * {@code XdsServerBuilder}): a server listening on {@code ip:port} asks for the listener its bootstrap's
 * {@code server_listener_resource_name_template} names, Istio's {@code xds.istio.io/grpc/lds/inbound/%s}
 * (what the agent writes) or gRPC's {@code grpc/server?xds.resource.listening_address=%s}, and gets a
 * listener at that address with one filter chain: an HTTP connection manager with an inline route config
 * that serves every call ({@code non_forwarding_action}) and the router, and mutual TLS when the port's
 * PeerAuthentication mode asks for it ({@link GrpcTls#serverMode}; the certificates from the bootstrap's
 * certificate provider), with an RBAC filter that takes callers of the mesh's trust domain only
 * ({@link #trustDomainOnly}). gRPC servers take no listener filters and never match a chain by destination port,
 * transport protocol or ALPN, so there is nothing to detect TLS with: one chain, TLS or plain text.
 *
 * <p>Like the sidecar's inbound side, the mode follows the proxy's own workload (its endpoints at the
 * proxy's IPs and their labels) and PeerAuthentication (a change is a full push). A port that no service
 * targets gets a listener too, under the workload's mode at that port (as the sidecar's passthrough chains
 * do), so a server serves before its entry is registered. No wildcard: servers ask by name.
 */
final class GrpcInboundListenerType implements ResourceType {
  /** Istio's resource name prefix for proxyless servers (istio-agent's template, and the vmesh agent's). */
  static final String ISTIO_PREFIX = Wire.GRPC_SERVER_LISTENER_PREFIX;
  /** gRPC's documented template (gRFC A36), as grpc-go's bootstrap generator writes it. */
  static final String GRPC_PREFIX = "grpc/server?xds.resource.listening_address=";

  static final String MTLS_CHAIN = "inbound-mtls";
  static final String PLAINTEXT_CHAIN = "inbound-plaintext";

  @Override
  public XdsType xdsType() {
    return XdsType.LISTENER;
  }

  @Override
  public List<Descriptor> messages() {
    return List.of(HttpConnectionManager.getDescriptor(), Router.getDescriptor(), DownstreamTlsContext.getDescriptor(),
        RBAC.getDescriptor());
  }

  @Override
  public boolean serves(Proxy proxy) {
    return proxy.proxyless();
  }

  @Override
  public boolean owns(String name) {
    return isInbound(name);
  }

  /** Whether {@code name} is a proxyless server's listener name (by its prefix; it may still be malformed). */
  static boolean isInbound(String name) {
    return name.startsWith(ISTIO_PREFIX) || name.startsWith(GRPC_PREFIX);
  }

  /** Servers subscribe by name only. */
  @Override
  public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
    return Set.of();
  }

  /** The mode depends on the proxy's own IPs and, when no endpoint is at them, its labels. */
  @Override
  public String cacheVariant(Proxy proxy) {
    return proxy.namespace() + "/" + proxy.ips() + "/" + new TreeMap<>(proxy.labels());
  }

  @Override
  public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
    HostAndPort address = address(name);
    if (address == null) {
      return null;
    }
    int port = address.getPort();
    MeshView.Inbound inbound = mesh.inbound(proxy);
    MtlsPolicies.Mode mode = GrpcTls.serverMode(
        mesh.mtls().forWorkload(proxy.namespace(), inbound.labels()).forPort(port), inbound.istioTls().contains(port));
    boolean mtls = mode != MtlsPolicies.Mode.DISABLE;
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder().setStatPrefix("inbound_" + port)
        .setRouteConfig(serveEverything(port));
    if (mtls) {
      hcm.addHttpFilters(trustDomainOnly(mesh.sidecar().trustDomain()));
    }
    FilterChain.Builder chain = FilterChain.newBuilder().setName(mtls ? MTLS_CHAIN : PLAINTEXT_CHAIN)
        .addFilters(Filter.newBuilder().setName("envoy.filters.network.http_connection_manager")
            .setTypedConfig(Any.pack(hcm.addHttpFilters(EnvoyProtos.router()).build())));
    if (mtls) {
      chain.setTransportSocket(GrpcTls.server());
    }
    return XdsResource.of(name, Listener.newBuilder().setName(name)
        .setAddress(EnvoyProtos.socket(address.getHost(), port))
        .addFilterChains(chain)
        .build());
  }

  /**
   * The address in a listener name: an IP literal and a port from 1 to 65535 after one of the prefixes
   * ({@code [::]:port} for IPv6); null for anything else, which then does not exist.
   */
  static HostAndPort address(String name) {
    String rest;
    if (name.startsWith(ISTIO_PREFIX)) {
      rest = name.substring(ISTIO_PREFIX.length());
    } else if (name.startsWith(GRPC_PREFIX)) {
      rest = name.substring(GRPC_PREFIX.length());
    } else {
      return null;
    }
    try {
      HostAndPort hp = HostAndPort.fromString(rest);
      if (!hp.hasPort() || hp.getPort() < 1 || !InetAddresses.isInetAddress(hp.getHost())) {
        return null;
      }
      return hp;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static final String RBAC_FILTER = "envoy.filters.http.rbac";

  /**
   * The check a sidecar makes in its TLS context, that the caller's certificate names an identity of the mesh's
   * trust domain (a URI SAN starting {@code spiffe://<trustDomain>/}), as gRPC servers can make it: gRPC refuses
   * SAN matchers in a server's TLS context, but takes the RBAC HTTP filter (gRFC A41), whose authenticated
   * principal is matched against the certificate's URI SANs. Calls from another trust domain are answered
   * PERMISSION_DENIED. Optional, so a gRPC without RBAC (grpc-js unless {@code GRPC_XDS_EXPERIMENTAL_RBAC=true})
   * still serves, checking the mesh roots only, as before.
   */
  static HttpFilter trustDomainOnly(String trustDomain) {
    RBAC rbac = RBAC.newBuilder().setRules(io.envoyproxy.envoy.config.rbac.v3.RBAC.newBuilder()
            .setAction(io.envoyproxy.envoy.config.rbac.v3.RBAC.Action.ALLOW)
            .putPolicies("trust-domain", Policy.newBuilder()
                .addPermissions(Permission.newBuilder().setAny(true))
                .addPrincipals(Principal.newBuilder().setAuthenticated(Principal.Authenticated.newBuilder()
                    .setPrincipalName(StringMatcher.newBuilder().setPrefix("spiffe://" + trustDomain + "/"))))
                .build()))
        .build();
    return HttpFilter.newBuilder().setName(RBAC_FILTER).setTypedConfig(Any.pack(rbac)).setIsOptional(true).build();
  }

  /** Every call is served by the server itself (gRPC servers refuse routes that forward). */
  private static RouteConfiguration serveEverything(int port) {
    return RouteConfiguration.newBuilder().setName("inbound|" + port + "||")
        .addVirtualHosts(VirtualHost.newBuilder().setName("inbound|grpc|" + port).addDomains("*")
            .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setNonForwardingAction(NonForwardingAction.getDefaultInstance())))
        .build();
  }

  /** Names are per server address, not per service: endpoint changes at the proxy's IPs decide ({@link #affects}). */
  @Override
  public void touchedBy(ServiceChange change, Set<String> names) {}

  /**
   * A listener follows the endpoints at its proxy's own IPs (which ports, their tlsMode and labels), and a
   * service's shape (its target ports).
   */
  @Override
  public boolean affects(PushRequest request, Proxy proxy) {
    return request.reshapesInbound(proxy);
  }

  @Override
  public boolean staleAll(PushRequest request) {
    return request.reshapesAnyInbound();
  }
}
