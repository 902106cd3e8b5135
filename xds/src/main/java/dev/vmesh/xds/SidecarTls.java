package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Collection;
import java.util.List;

/**
 * {@code SidecarTls} builds Istio's mutual TLS for Envoy sidecars: the client side of outbound clusters
 * (ISTIO_MUTUAL, chosen per endpoint by {@code transport_socket_matches}) and the server side of the
 * inbound chains. Certificates come from the agent's SDS ({@code default} for the workload's own,
 * {@code ROOTCA} for the mesh roots) through the bootstrap's {@code sds-grpc} cluster.
 *
 * <p>Envoy as vmesh runs it has none of Istio's own filters, so no metadata exchange: the ALPN lists are
 * Istio's for a proxy without it ({@code istio} upstream; {@code h2}, {@code http/1.1} offered
 * downstream). Offering {@code istio-peer-exchange} without the filter that speaks it would let an Istio
 * peer send its exchange header into the application's byte stream.
 */
final class SidecarTls {
  static final String SDS_CLUSTER = "sds-grpc";
  static final String CERTIFICATE = "default";
  static final String ROOTS = "ROOTCA";
  static final String MATCH_KEY = "envoy.transport_socket_match";
  static final String TLS_SOCKET = "envoy.transport_sockets.tls";
  static final String RAW_SOCKET = "envoy.transport_sockets.raw_buffer";

  /** Upstream ALPN: TCP and HTTP/1.1 clusters. */
  static final List<String> UPSTREAM_ALPN = List.of("istio");
  /** Upstream ALPN: HTTP/2 and gRPC clusters. */
  static final List<String> UPSTREAM_ALPN_H2 = List.of("istio", "h2");
  /** What inbound mTLS chains offer (TCP and HTTP alike, without metadata exchange). */
  static final List<String> DOWNSTREAM_ALPN = List.of("h2", "http/1.1");

  /** Istio's default inbound cipher suites (they matter for TLS 1.2 only). */
  static final List<String> INBOUND_CIPHERS = List.of("ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
      "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "AES256-GCM-SHA384", "AES128-GCM-SHA256");

  private static final Metadata ISTIO_ENDPOINT = Metadata.newBuilder().putFilterMetadata(MATCH_KEY,
      Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()).build()).build();

  private SidecarTls() {}

  /** SDS from the agent, waiting for the secret as long as it takes ({@code initial_fetch_timeout} 0). */
  static ConfigSource sds() {
    return ConfigSource.newBuilder().setResourceApiVersion(ApiVersion.V3)
        .setInitialFetchTimeout(Duration.getDefaultInstance())
        .setApiConfigSource(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
            .setSetNodeOnFirstMessageOnly(true).setTransportApiVersion(ApiVersion.V3)
            .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                .setClusterName(SDS_CLUSTER))))
        .build();
  }

  private static SdsSecretConfig secret(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(sds()).build();
  }

  private static TlsParameters params(boolean ciphers) {
    TlsParameters.Builder p = TlsParameters.newBuilder()
        .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2)
        .setTlsMaximumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_3);
    if (ciphers) {
      p.addAllCipherSuites(INBOUND_CIPHERS);
    }
    return p.build();
  }

  /**
   * ISTIO_MUTUAL towards a service's endpoints: the workload certificate, the mesh roots, the peer's
   * URI SAN one of {@code identities} (any, when empty), SNI {@code outbound_.<port>_._.<host>}.
   */
  static TransportSocket upstream(String sni, Collection<String> identities, boolean http2) {
    CertificateValidationContext.Builder peer = CertificateValidationContext.newBuilder();
    for (String id : identities) {
      peer.addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder().setSanType(SubjectAltNameMatcher.SanType.URI)
          .setMatcher(StringMatcher.newBuilder().setExact(id)));
    }
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext
        .newBuilder()
        .setTlsParams(params(false))
        .addTlsCertificateSdsSecretConfigs(secret(CERTIFICATE))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(peer)
            .setValidationContextSdsSecretConfig(secret(ROOTS)))
        .addAllAlpnProtocols(http2 ? UPSTREAM_ALPN_H2 : UPSTREAM_ALPN)).build();
    return TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(tls)).build();
  }

  /** Plain text. */
  static TransportSocket raw() {
    return TransportSocket.newBuilder().setName(RAW_SOCKET).setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))
        .build();
  }

  /**
   * Automatic mTLS: endpoints whose metadata says {@code tlsMode: istio} get {@code tls}
   * ({@code tlsMode-istio}), all others plain text ({@code tlsMode-disabled}).
   */
  static void perEndpoint(Cluster.Builder c, TransportSocket tls) {
    c.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
            .setMatch(ISTIO_ENDPOINT.getFilterMetadataOrThrow(MATCH_KEY)).setTransportSocket(tls))
        .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
            .setMatch(Struct.getDefaultInstance()).setTransportSocket(raw()));
  }

  /** The metadata of an endpoint that takes mTLS. */
  static Metadata istioEndpoint() {
    return ISTIO_ENDPOINT;
  }

  /**
   * The server side of an inbound mTLS chain: the workload certificate, a client certificate required,
   * issued by the mesh roots, with a URI SAN in the mesh's trust domain (identities are an authorization
   * matter, not this one's).
   */
  static TransportSocket downstream(String trustDomain) {
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setRequireClientCertificate(BoolValue.of(true))
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .setTlsParams(params(true))
            .addTlsCertificateSdsSecretConfigs(secret(CERTIFICATE))
            .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setDefaultValidationContext(CertificateValidationContext.newBuilder()
                    .addMatchTypedSubjectAltNames(SubjectAltNameMatcher.newBuilder()
                        .setSanType(SubjectAltNameMatcher.SanType.URI)
                        .setMatcher(StringMatcher.newBuilder().setPrefix("spiffe://" + trustDomain + "/"))))
                .setValidationContextSdsSecretConfig(secret(ROOTS)))
            .addAllAlpnProtocols(DOWNSTREAM_ALPN))
        .build();
    return TransportSocket.newBuilder().setName(TLS_SOCKET).setTypedConfig(Any.pack(tls)).build();
  }
}
