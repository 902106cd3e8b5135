package dev.vmesh.xds;

import com.google.protobuf.Any;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code ClusterTls} decides and builds mutual TLS towards a service's endpoints. Proxyless gRPC gets it
 * for the whole cluster when every endpoint runs with {@code tlsMode: istio}, with certificates from the
 * bootstrap's {@code default} certificate provider (the agent's files) and the endpoints' SPIFFE ids as
 * the accepted names. (Envoy sidecars choose per endpoint: {@link SidecarTls}, {@link AutoMtls}.)
 */
final class ClusterTls {
  static final String PROVIDER = "default";

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
}
