package dev.vmesh.controlplane;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.vmesh.api.fuzz.Mutate;
import dev.vmesh.pki.Csrs;
import dev.vmesh.proto.ca.IstioCertificateRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * xDS streams for the fuzzer: what a proxy sends (SotW or delta requests for every type vmesh serves,
 * with a node, then ACKs and NACKs), mutated at the message level (wrong and huge type URLs, random
 * resource names, nonces and versions, NACK details, random node ids and metadata, with the keys the
 * server reads given odd values) and at the byte level (truncated, flipped, random protobuf).
 *
 * @param rpc the call: SotW or delta ADS, or (on the TLS port) a certificate request
 * @param messages the encoded messages, sent in order
 * @param typeUrls the types the stream asks for (a response of any other type is wrong)
 * @param garbled whether a message was mutated as bytes (gRPC then ends the call with INTERNAL or
 *     UNKNOWN, its statuses for a request that does not parse)
 */
record XdsRequests(Rpc rpc, List<byte[]> messages, List<String> typeUrls, boolean garbled) {
  /** The calls the fuzzer makes. */
  enum Rpc { SOTW, DELTA, CERTIFICATE }

  static final List<String> TYPES = List.of("type.googleapis.com/envoy.config.cluster.v3.Cluster",
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
      "type.googleapis.com/envoy.config.listener.v3.Listener",
      "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
      "type.googleapis.com/istio.networking.nds.v1.NameTable");
  static final List<String> ODD_TYPES = List.of("", "type.googleapis.com/istio.v1.HealthInformation",
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret",
      "type.googleapis.com/envoy.config.cluster.v2.Cluster", "type.googleapis.com/google.protobuf.Empty",
      "envoy.config.cluster.v3.Cluster", "type.googleapis.com/envoy.config.cluster.v3.Cluster ",
      "TYPE.GOOGLEAPIS.COM/ENVOY.CONFIG.CLUSTER.V3.CLUSTER", "x".repeat(70_000), "\u0000", "../../etc/passwd");
  static final List<String> NAMES = List.of("outbound|80||mine.internal", "outbound|80||secret.internal",
      "outbound|80||shared.internal", "mine.internal:80", "secret.internal:80", "80", "*", "",
      "xds.istio.io/grpc/lds/inbound/0.0.0.0:8080", "outbound|80|v1|mine.internal", "a".repeat(5000), "é");
  static final List<String> META_KEYS = List.of("NAMESPACE", "SERVICE_ACCOUNT", "INSTANCE_IPS", "LABELS",
      "AUTO_REGISTER_GROUP", "WORKLOAD_ENTRY", "GENERATOR", "NETWORK", "CLUSTER_ID", "WORKLOAD_NAME", "ISTIO_VERSION",
      "DNS_CAPTURE", "PROXY_CONFIG", "x");
  static final List<String> META_VALUES = List.of("ns1", "ns2", "ns3", "", "NS1", "ns1 ", "default", "kube-system",
      "sa1", "sa2", "grpc", "grp", "grp2", "../grp", "1.2.3.4", "10.1.0.99,10.1.0.98", "::1", "not-an-ip",
      "1.2.3.4,", "true", "a".repeat(2000), "{\"app\":\"x\"}", "\n", "\u0000");

  /** Nodes as the server reads them: Istio's id form, odd ids, and metadata from the keys above. */
  static Node node(Random r) {
    String ns = Mutate.oneOf(r, "ns1", "ns2", "ns3", "default", "", "NS1");
    String id = switch (r.nextInt(8)) {
      case 0 -> "";
      case 1 -> "~~~";
      case 2 -> "a".repeat(r.nextInt(3000));
      case 3 -> "sidecar~" + Mutate.oneOf(r, "10.1.0.99", "1.1.1.1", "x", "", "::1") + "~vm.ns2~ns2.svc.cluster.local";
      case 4 -> "router~1.2.3.4~gw." + ns + "~" + ns + ".svc.cluster.local~extra";
      default -> "sidecar~10.1.0." + r.nextInt(256) + "~vm" + r.nextInt(1000) + "." + ns + "~" + ns
          + ".svc.cluster.local";
    };
    Struct.Builder md = Struct.newBuilder();
    int keys = r.nextInt(5);
    for (int i = 0; i < keys; i++) {
      md.putFields(Mutate.oneOf(r, META_KEYS.toArray(String[]::new)), value(r, 2));
    }
    return Node.newBuilder().setId(id).setCluster(r.nextBoolean() ? "" : "c" + r.nextInt(9)).setMetadata(md).build();
  }

  private static Value value(Random r, int depth) {
    return switch (depth <= 0 ? r.nextInt(5) : r.nextInt(7)) {
      case 0, 1, 2 -> Value.newBuilder().setStringValue(META_VALUES.get(r.nextInt(META_VALUES.size()))).build();
      case 3 -> Value.newBuilder().setNumberValue(Mutate.oneOf(r, 0.0, -1.0, 1e308, Double.NaN)).build();
      case 4 -> r.nextBoolean() ? Value.newBuilder().setBoolValue(true).build()
          : Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
      case 5 -> {
        Struct.Builder s = Struct.newBuilder();
        for (int i = r.nextInt(4); i > 0; i--) {
          s.putFields(Mutate.oneOf(r, "app", "version", "NAMESPACE", "", "a/b"), value(r, depth - 1));
        }
        yield Value.newBuilder().setStructValue(s).build();
      }
      default -> {
        ListValue.Builder l = ListValue.newBuilder();
        for (int i = r.nextInt(4); i > 0; i--) {
          l.addValues(value(r, depth - 1));
        }
        yield Value.newBuilder().setListValue(l).build();
      }
    };
  }

  /** A stream of 1 to 4 messages, maybe mutated. {@code proper} is a node the server will accept, or null. */
  static XdsRequests generate(Random r, Node proper) {
    boolean delta = r.nextInt(3) == 0;
    Node node = proper != null && r.nextInt(3) > 0 ? proper : node(r);
    List<byte[]> messages = new ArrayList<>();
    List<String> types = new ArrayList<>();
    int count = 1 + r.nextInt(4);
    boolean garbled = false;
    for (int i = 0; i < count; i++) {
      String type = r.nextInt(6) == 0 ? ODD_TYPES.get(r.nextInt(ODD_TYPES.size())) : TYPES.get(r.nextInt(TYPES.size()));
      List<String> names = new ArrayList<>();
      for (int n = r.nextInt(3) == 0 ? r.nextInt(4) : 0; n > 0; n--) {
        names.add(NAMES.get(r.nextInt(NAMES.size())));
      }
      byte[] bytes = delta ? deltaRequest(r, i == 0 || r.nextInt(4) == 0 ? node : null, type, names).toByteArray()
          : sotwRequest(r, i == 0 || r.nextInt(4) == 0 ? node : null, type, names).toByteArray();
      if (r.nextInt(6) == 0) {
        bytes = r.nextInt(4) == 0 ? randomBytes(r) : Mutate.bytes(r, bytes, 4);
        garbled = true;
        type = typeRead(delta, bytes, type);
      }
      types.add(type);
      messages.add(bytes);
    }
    return new XdsRequests(delta ? Rpc.DELTA : Rpc.SOTW, messages, types, garbled);
  }

  /**
   * The type a mutated message asks for as the server reads it (a mutation may turn v2 into v3), or
   * {@code intended} when it does not parse or names none.
   */
  private static String typeRead(boolean delta, byte[] bytes, String intended) {
    try {
      String t = delta ? DeltaDiscoveryRequest.parseFrom(bytes).getTypeUrl()
          : DiscoveryRequest.parseFrom(bytes).getTypeUrl();
      return t.isEmpty() ? intended : t;
    } catch (InvalidProtocolBufferException e) {
      return intended;
    }
  }

  private static DiscoveryRequest sotwRequest(Random r, Node node, String type, List<String> names) {
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(names);
    if (node != null) {
      b.setNode(node);
    }
    if (r.nextInt(3) == 0) { // an ACK or NACK of a response it may never have had
      b.setVersionInfo(Mutate.oneOf(r, "1", "", "999999", "x".repeat(300))).setResponseNonce(Mutate.oneOf(r, "1",
          "0", "", "nonce", "\u0000"));
      if (r.nextBoolean()) {
        b.setErrorDetail(Status.newBuilder().setCode(r.nextInt(20) - 2).setMessage("m".repeat(r.nextInt(10_000))));
      }
    }
    return b.build();
  }

  private static DeltaDiscoveryRequest deltaRequest(Random r, Node node, String type, List<String> names) {
    DeltaDiscoveryRequest.Builder b = DeltaDiscoveryRequest.newBuilder().setTypeUrl(type)
        .addAllResourceNamesSubscribe(names);
    if (node != null) {
      b.setNode(node);
    }
    if (r.nextInt(4) == 0) {
      b.addResourceNamesUnsubscribe(NAMES.get(r.nextInt(NAMES.size())));
    }
    if (r.nextInt(4) == 0) {
      b.putInitialResourceVersions(NAMES.get(r.nextInt(NAMES.size())), Mutate.oneOf(r, "1", "", "v"));
    }
    if (r.nextInt(3) == 0) {
      b.setResponseNonce(Mutate.oneOf(r, "1", "", "n"));
      if (r.nextBoolean()) {
        b.setErrorDetail(Status.newBuilder().setCode(3).setMessage("rejected"));
      }
    }
    return b.build();
  }

  /**
   * A {@code CreateCertificate} call: a CSR for ns1/sa1 (the identity the good credentials prove), for
   * ns2/sa2, for another identity, or garbled; with a lifetime now and then.
   */
  static XdsRequests certificate(Random r, KeyPair key) {
    String uri = Mutate.oneOf(r, "spiffe://cluster.local/ns/ns1/sa/sa1", "spiffe://cluster.local/ns/ns1/sa/sa1",
        "spiffe://cluster.local/ns/ns2/sa/sa2", "spiffe://cluster.local/ns/kube-system/sa/default",
        "spiffe://other.domain/ns/ns1/sa/sa1");
    byte[] bytes = IstioCertificateRequest.newBuilder()
        .setCsr(Csrs.create(key, uri))
        .setValidityDuration(r.nextInt(4) == 0 ? r.nextLong(-10, 200L * 86400) : 0).build().toByteArray();
    boolean garbled = r.nextInt(6) == 0;
    if (garbled) {
      bytes = Mutate.bytes(r, bytes, 4);
    }
    return new XdsRequests(Rpc.CERTIFICATE, List.of(bytes), List.of(uri), garbled);
  }

  private static byte[] randomBytes(Random r) {
    byte[] b = new byte[r.nextInt(300)];
    r.nextBytes(b);
    return b;
  }

  /** For failure reports: the stream in short. */
  String describe() {
    StringBuilder sb = new StringBuilder(rpc.name().toLowerCase(Locale.ROOT)).append(garbled ? " garbled" : "");
    for (int i = 0; i < messages.size(); i++) {
      String t = typeUrls.get(i);
      sb.append(" [").append(t.length() > 80 ? t.substring(0, 80) + "..." : t).append(", ")
          .append(messages.get(i).length).append(" bytes: ")
          .append(HexFormat.of().formatHex(messages.get(i), 0, Math.min(64, messages.get(i).length)))
          .append(']');
    }
    return sb.toString();
  }
}
