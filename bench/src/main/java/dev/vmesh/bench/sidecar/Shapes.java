package dev.vmesh.bench.sidecar;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code Shapes} rewrites a sidecar config into the variants {@link EnvoyStartup} times: how an outbound
 * cluster says "mTLS to endpoints marked istio, plain text to the others", where its secrets come from,
 * EDS or endpoints inline, and which listeners there are. Each variant must keep what the data plane
 * does (the same TLS to the same endpoints) so that only Envoy's cost of building it differs.
 */
final class Shapes {
  private Shapes() {}

  /** Transport socket shapes for the per-endpoint mTLS clusters. */
  enum Tls {
    /** as generated: {@code tlsMode-istio} (TLS) then {@code tlsMode-disabled} (raw buffer, match {}). */
    TWO,
    /** only {@code tlsMode-istio}; the others fall to the cluster's default socket (raw buffer when unset). */
    ONE,
    /** TLS to every endpoint: a plain {@code transport_socket}, no matches (what a user-set ISTIO_MUTUAL is). */
    PLAIN,
    /** no TLS at all (to see what the TLS contexts cost; not a shape the mesh could use) */
    NONE
  }

  static List<Cluster> clusters(List<Cluster> in, Tls tls, boolean inlineSecrets, boolean staticEndpoints,
      List<ClusterLoadAssignment> endpoints, Secrets secrets, boolean altStatName) {
    Map<String, ClusterLoadAssignment> byName = endpoints.stream()
        .collect(Collectors.toMap(ClusterLoadAssignment::getClusterName, Function.identity(), (a, b) -> a));
    List<Cluster> out = new ArrayList<>();
    for (Cluster c : in) {
      Cluster.Builder b = c.toBuilder();
      if (c.getTransportSocketMatchesCount() > 0) {
        TransportSocket tlsSocket = c.getTransportSocketMatches(0).getTransportSocket();
        if (inlineSecrets) {
          tlsSocket = inline(tlsSocket, secrets);
        }
        b.clearTransportSocketMatches();
        switch (tls) {
          case TWO -> {
            b.addTransportSocketMatches(c.getTransportSocketMatches(0).toBuilder().setTransportSocket(tlsSocket));
            for (int i = 1; i < c.getTransportSocketMatchesCount(); i++) {
              b.addTransportSocketMatches(c.getTransportSocketMatches(i));
            }
          }
          case ONE -> b.addTransportSocketMatches(c.getTransportSocketMatches(0).toBuilder().setTransportSocket(tlsSocket));
          case PLAIN -> b.setTransportSocket(tlsSocket);
          case NONE -> { }
        }
      }
      if (staticEndpoints && c.getType() == Cluster.DiscoveryType.EDS) {
        ClusterLoadAssignment cla = byName.get(c.getName());
        b.clearEdsClusterConfig().setType(Cluster.DiscoveryType.STATIC)
            .setLoadAssignment(cla == null ? ClusterLoadAssignment.newBuilder().setClusterName(c.getName()).build() : cla);
      }
      if (altStatName && c.getName().startsWith("outbound|")) {
        b.setAltStatName(c.getName().replace('|', '_'));
      }
      out.add(b.build());
    }
    return out;
  }

  /** The certificate and roots written into the context instead of named from SDS. */
  private static TransportSocket inline(TransportSocket s, Secrets secrets) {
    try {
      UpstreamTlsContext.Builder t = s.getTypedConfig().unpack(UpstreamTlsContext.class).toBuilder();
      CommonTlsContext.Builder common = t.getCommonTlsContextBuilder();
      common.clearTlsCertificateSdsSecretConfigs().addTlsCertificates(TlsCertificate.newBuilder()
          .setCertificateChain(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(secrets.chain())))
          .setPrivateKey(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(secrets.key()))));
      CertificateValidationContext peer = common.getCombinedValidationContext().getDefaultValidationContext();
      common.clearCombinedValidationContext().setValidationContext(peer.toBuilder()
          .setTrustedCa(DataSource.newBuilder().setInlineBytes(ByteString.copyFromUtf8(secrets.roots()))));
      return s.toBuilder().setTypedConfig(Any.pack(t.build())).build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Listeners to keep: all, or only those Envoy binds (virtualOutbound, virtualInbound, 0.0.0.0_PORT). */
  static List<Listener> listeners(List<Listener> in, boolean withoutVips) {
    if (!withoutVips) {
      return in;
    }
    return in.stream().filter(l -> l.getName().startsWith("0.0.0.0_") || l.getName().startsWith("virtual")).toList();
  }

  /** The workload certificate, key and roots, PEM. */
  record Secrets(String chain, String key, String roots) {}
}
