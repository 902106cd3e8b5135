package dev.vmesh.agent.xds;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.proto.Wire.Meta;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Nodes} builds the xDS {@code Node} the agent announces, with the metadata keys istio-agent
 * sends (so the server reads a vmesh agent and istio-agent alike), and checks the nodes of local
 * clients whose streams the agent forwards.
 */
public final class Nodes {
  private Nodes() {}

  /** The agent's node: id, cluster, locality and metadata from the onboarding settings. */
  public static Node agent(AgentConfig c, String version) {
    Map<String, Object> md = new LinkedHashMap<>();
    c.withPrefix("ISTIO_META_").forEach(md::put);
    c.withPrefix("ISTIO_METAJSON_").forEach((k, v) -> md.put(k, json(v)));
    md.put(Meta.NAMESPACE, c.identity().namespace());
    md.put(Meta.SERVICE_ACCOUNT, c.identity().serviceAccount());
    md.put(Meta.INSTANCE_IPS, String.join(",", c.instanceIps()));
    md.put(Meta.LABELS, c.labels());
    md.put(Meta.ISTIO_VERSION, version);
    md.put(Meta.VMESH_AGENT, "true");
    md.put(Meta.VMESH_VERSION, version);
    if (c.probe() != null) {
      md.put(Meta.PROXY_CONFIG, Map.of(Meta.READINESS_PROBE, ResourceEncoder.probe(c.probe())));
    }
    Node.Builder b = Node.newBuilder().setId(c.nodeId()).setCluster(workloadName(c) + "." + c.identity().namespace())
        .setMetadata(struct(md)).setUserAgentName("vmesh-agent").setUserAgentVersion(version);
    if (!c.locality().isEmpty()) {
      String[] parts = (c.locality() + "//").split("/", -1);
      b.setLocality(Locality.newBuilder().setRegion(parts[0]).setZone(parts[1]).setSubZone(parts[2]));
    }
    return b.build();
  }

  /** The node local proxyless gRPC apps announce (written into their bootstrap). */
  public static Node grpcApp(AgentConfig c, String version) {
    Node agent = agent(c, version);
    Struct.Builder md = agent.getMetadata().toBuilder();
    Meta.REGISTRATION.forEach(md::removeFields);
    md.removeFields(Meta.PROXY_CONFIG);
    md.removeFields(Meta.VMESH_AGENT);
    md.removeFields(Meta.VMESH_VERSION);
    md.putFields(Meta.GENERATOR, Value.newBuilder().setStringValue(Meta.GENERATOR_GRPC).build());
    return agent.toBuilder().setMetadata(md).build();
  }

  /**
   * A local client's node as it goes upstream: its namespace is the VM's (the server trusts the
   * connection's certificate, which is the VM's, so a local process must not claim another namespace),
   * and it cannot register a WorkloadEntry (the agent's own stream does that).
   */
  public static Node forwarded(Node downstream, String namespace) {
    Struct.Builder md = downstream.getMetadata().toBuilder();
    Meta.REGISTRATION.forEach(md::removeFields);
    md.putFields(Meta.NAMESPACE, Value.newBuilder().setStringValue(namespace).build());
    return downstream.toBuilder().setMetadata(md).build();
  }

  static String workloadName(AgentConfig c) {
    String w = c.settings().getOrDefault("ISTIO_META_WORKLOAD_NAME", "");
    return w.isEmpty() ? c.podName() : w;
  }

  /** A protobuf Struct from a plain tree (maps, lists, strings, numbers, booleans). */
  public static Struct struct(Map<String, ?> tree) {
    Struct.Builder b = Struct.newBuilder();
    tree.forEach((k, v) -> b.putFields(k, value(v)));
    return b.build();
  }

  @SuppressWarnings("unchecked")
  static Value value(Object v) {
    if (v == null) {
      return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    } else if (v instanceof Map<?, ?> m) {
      return Value.newBuilder().setStructValue(struct((Map<String, ?>) m)).build();
    } else if (v instanceof List<?> l) {
      ListValue.Builder lb = ListValue.newBuilder();
      l.forEach(x -> lb.addValues(value(x)));
      return Value.newBuilder().setListValue(lb).build();
    } else if (v instanceof Boolean bool) {
      return Value.newBuilder().setBoolValue(bool).build();
    } else if (v instanceof Number n) {
      return Value.newBuilder().setNumberValue(n.doubleValue()).build();
    } else if (v instanceof Value val) {
      return val;
    }
    return Value.newBuilder().setStringValue(v.toString()).build();
  }

  /** An {@code ISTIO_METAJSON_*} value as a protobuf value (a string if it is not valid JSON). */
  static Value json(String text) {
    var parsed = SourceParser.parseJson("metadata", text);
    if (parsed.hasErrors() || parsed.documents().isEmpty()) {
      return Value.newBuilder().setStringValue(text).build();
    }
    return fromSource(parsed.documents().get(0));
  }

  private static Value fromSource(SourceNode n) {
    return switch (n) {
      case SourceNode.MapNode m -> {
        Struct.Builder b = Struct.newBuilder();
        m.fields().forEach((k, f) -> b.putFields(k, fromSource(f.value())));
        yield Value.newBuilder().setStructValue(b).build();
      }
      case SourceNode.ListNode l -> {
        ListValue.Builder lb = ListValue.newBuilder();
        l.items().forEach(x -> lb.addValues(fromSource(x)));
        yield Value.newBuilder().setListValue(lb).build();
      }
      case SourceNode.Scalar s -> switch (s.type()) {
        case BOOL -> Value.newBuilder().setBoolValue(Boolean.parseBoolean(s.text())).build();
        case INT, FLOAT -> Value.newBuilder().setNumberValue(Double.parseDouble(s.text())).build();
        case NULL -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        case STRING -> Value.newBuilder().setStringValue(s.text()).build();
      };
    };
  }
}
