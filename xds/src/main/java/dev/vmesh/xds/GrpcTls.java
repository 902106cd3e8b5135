package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import dev.vmesh.proto.Wire;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GrpcTls} is mutual TLS for proxyless gRPC (gRFC A29), both sides, with the certificates of the
 * bootstrap's certificate provider {@code default} (the agent writes a {@code file_watcher} on the files it
 * renews): the workload's own certificate ({@code default}) and the mesh roots ({@code ROOTCA}), Istio's
 * names. gRPC takes no TLS parameters, no SDS and, on servers, no subject alt name matchers from xDS, so
 * none are sent.
 *
 * <p>A client uses mTLS for a whole cluster or not at all (gRPC has no per-endpoint transport socket
 * matches): only when automatic mTLS would choose it for every endpoint ({@link Policy#of}).
 * A server ({@link GrpcInboundListenerType}) cannot detect TLS on a connection, so it cannot be
 * PERMISSIVE: it takes what mesh clients send it ({@link #serverMode}).
 */
final class GrpcTls {
  static final String PROVIDER = Wire.GRPC_CERTIFICATE_PROVIDER;
  static final String CERTIFICATE = "default";
  static final String ROOTS = "ROOTCA";
  /**
   * ALPN a proxyless client offers: {@code istio} first, so a PERMISSIVE Envoy sidecar recognises mesh mTLS
   * and terminates it (its TLS chains match Istio's ALPN values), then {@code h2}, which every server picks
   * and gRPC speaks. grpc-java sends this list; gRPC C-core and grpc-js send {@code h2} alone.
   */
  static final List<String> CLIENT_ALPN = List.of("istio", "h2");

  private GrpcTls() {}

  /**
   * Whether a proxyless client uses mTLS to a service, and which peer identities it accepts.
   *
   * @param identities the endpoints' SPIFFE ids and the service's subjectAltNames, sorted
   */
  record Policy(boolean mtls, List<String> identities) {
    static final Policy NONE = new Policy(false, List.of());

    /**
     * The policy for {@code s}: mTLS when it has endpoints, its namespace's (else the mesh's) mode is not
     * DISABLE, and every endpoint takes mTLS ({@code tlsMode: istio} and not DISABLE at its port). Unlike a
     * sidecar, a proxyless client also uses it towards MESH_EXTERNAL services: an endpoint with a service
     * account runs in the mesh, whatever its ServiceEntry says (vmesh's rule before PeerAuthentication).
     */
    static Policy of(Service s, MtlsPolicies policies) {
      List<Endpoint> eps = s.healthyEndpoints();
      boolean all = !eps.isEmpty() && policies.namespaceMode(s.namespace()) != MtlsPolicies.Mode.DISABLE
          && eps.stream().allMatch(e -> AutoMtls.forEndpoint(s, e, policies));
      return all ? new Policy(true, List.copyOf(AutoMtls.identities(s))) : NONE;
    }

    /**
     * What {@link #of} reads of {@code s} (null for null), whatever the policies: two states with equal
     * inputs get the same policy. (A PeerAuthentication change is a full push.)
     */
    static Object inputs(Service s) {
      if (s == null) {
        return null;
      }
      List<Object> eps = new ArrayList<>();
      for (Endpoint e : s.healthyEndpoints()) {
        eps.add(List.of(e.tlsMode(), e.port(), Map.copyOf(e.labels())));
      }
      Set<String> ids = AutoMtls.identities(s);
      return List.of(eps, ids);
    }
  }

  /** Adds the client's TLS to {@code c} if {@code policy} asks for it, with SNI {@code sni}. */
  static void client(Cluster.Builder c, Policy policy, String sni) {
    if (!policy.mtls()) {
      return;
    }
    CertificateValidationContext.Builder peer = roots();
    for (String id : policy.identities()) {
      peer.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(id));
    }
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni(sni)
        .setCommonTlsContext(certificate().setValidationContext(peer).addAllAlpnProtocols(CLIENT_ALPN)).build();
    c.setTransportSocket(TransportSocket.newBuilder().setName(SidecarTls.TLS_SOCKET).setTypedConfig(Any.pack(tls)));
  }

  /** A server's mTLS: its certificate, a client certificate required and issued by the mesh roots. */
  static TransportSocket server() {
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setRequireClientCertificate(BoolValue.of(true))
        .setCommonTlsContext(certificate().setValidationContext(roots())).build();
    return TransportSocket.newBuilder().setName(SidecarTls.TLS_SOCKET).setTypedConfig(Any.pack(tls)).build();
  }

  /**
   * What a proxyless server on a port whose PeerAuthentication mode is {@code mode} accepts: STRICT and
   * DISABLE as they say; PERMISSIVE becomes what mesh clients send, which is mTLS when the workload's
   * endpoint at the port carries {@code tlsMode: istio} ({@code istioTls}), plain text otherwise (Istio's
   * rule for proxyless servers).
   */
  static MtlsPolicies.Mode serverMode(MtlsPolicies.Mode mode, boolean istioTls) {
    if (mode != MtlsPolicies.Mode.PERMISSIVE) {
      return mode;
    }
    return istioTls ? MtlsPolicies.Mode.STRICT : MtlsPolicies.Mode.DISABLE;
  }

  private static CommonTlsContext.Builder certificate() {
    return CommonTlsContext.newBuilder().setTlsCertificateProviderInstance(CertificateProviderPluginInstance
        .newBuilder().setInstanceName(PROVIDER).setCertificateName(CERTIFICATE));
  }

  private static CertificateValidationContext.Builder roots() {
    return CertificateValidationContext.newBuilder().setCaCertificateProviderInstance(
        CertificateProviderPluginInstance.newBuilder().setInstanceName(PROVIDER).setCertificateName(ROOTS));
  }
}
