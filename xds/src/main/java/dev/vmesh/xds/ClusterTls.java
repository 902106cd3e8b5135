package dev.vmesh.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code ClusterTls} decides and builds mutual TLS towards a service's endpoints. Proxyless gRPC gets it
 * for the whole cluster when every endpoint runs with {@code tlsMode: istio}, with certificates from the
 * bootstrap's {@code default} certificate provider (the agent's files) and the endpoints' SPIFFE ids as
 * the accepted names. Envoy sidecars choose per endpoint, as Istio does: endpoints carry
 * {@code tlsMode} metadata and the cluster's transport socket matches on it, with SDS secrets
 * {@code default} and {@code ROOTCA} from the agent.
 */
final class ClusterTls {
  static final String PROVIDER = "default";
  static final String SDS_CLUSTER = "sds-grpc";
  static final String MATCH_KEY = "envoy.transport_socket_match";

  private ClusterTls() {}

  /** Whether and with which peer identities a proxyless client should use mTLS for {@code s}. */
  record Policy(boolean mtls, List<String> identities) {
    static Policy of(Service s) {
      List<Endpoint> eps = s.healthyEndpoints();
      boolean all = !eps.isEmpty() && eps.stream().allMatch(e -> Endpoint.TLS_ISTIO.equals(e.tlsMode()));
      TreeSet<String> ids = new TreeSet<>();
      if (all) {
        eps.forEach(e -> {
          if (!e.serviceAccount().isEmpty()) {
            ids.add(e.serviceAccount());
          }
        });
      }
      return new Policy(all, List.copyOf(ids));
    }
  }

  /** Adds the proxyless client's TLS to {@code c} if {@code policy} asks for it. */
  static void proxyless(Cluster.Builder c, Policy policy, String sni) {
    if (!policy.mtls()) {
      return;
    }
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder()
        .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName(PROVIDER).setCertificateName("ROOTCA"));
    for (String id : policy.identities()) {
      validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(id));
    }
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext
        .newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder().setInstanceName(PROVIDER)
            .setCertificateName("default"))
        .setValidationContext(validation)).build();
    c.setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls)));
  }

  /** Envoy: mTLS (SDS secrets from the agent) for endpoints labelled {@code tlsMode: istio}, plain text otherwise. */
  static void sidecar(Cluster.Builder c, String sni) {
    ConfigSource sds = ConfigSource.newBuilder().setResourceApiVersion(ApiVersion.V3)
        .setApiConfigSource(ApiConfigSource.newBuilder().setApiType(ApiConfigSource.ApiType.GRPC)
            .setTransportApiVersion(ApiVersion.V3)
            .addGrpcServices(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                .setClusterName(SDS_CLUSTER)))).build();
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext
        .newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default").setSdsConfig(sds))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(CertificateValidationContext.getDefaultInstance())
            .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(sds)))
        .addAlpnProtocols("istio")).build();
    c.addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
        .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            .setTypedConfig(Any.pack(tls))));
  }

  /** Endpoint metadata the sidecar's transport socket match reads. */
  static io.envoyproxy.envoy.config.core.v3.Metadata endpointMetadata(Endpoint e) {
    return io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder().putFilterMetadata(MATCH_KEY, Struct.newBuilder()
        .putFields("tlsMode", Value.newBuilder().setStringValue(e.tlsMode()).build()).build()).build();
  }
}
