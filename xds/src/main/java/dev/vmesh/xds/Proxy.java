package dev.vmesh.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code Proxy} is what the server knows about one connected xDS client, read from its {@code Node}
 * the way istiod reads it: the id {@code type~ip~name.namespace~domain}, and metadata keys
 * {@code NAMESPACE}, {@code INSTANCE_IPS}, {@code LABELS}, {@code NETWORK}, {@code AUTO_REGISTER_GROUP},
 * {@code WORKLOAD_ENTRY}, {@code GENERATOR} ({@code grpc} for proxyless gRPC clients), and the node's
 * locality.
 *
 * @param identity the identity the transport proved (SPIFFE id of the client certificate), or empty
 */
public record Proxy(
    String id,
    String type,
    List<String> ips,
    String namespace,
    Map<String, String> labels,
    String network,
    String locality,
    boolean proxyless,
    String autoRegisterGroup,
    String workloadEntry,
    String clusterId,
    Struct metadata,
    String identity) {

  /** Namespace of proxies that name none. */
  public static final String DEFAULT_NAMESPACE = "default";

  /** Reads a proxy from the first request's node; throws IllegalArgumentException saying what is wrong. */
  public static Proxy fromNode(Node node, String identity) {
    if (node.getId().isEmpty()) {
      throw new IllegalArgumentException("node.id is empty; set it (Istio form: sidecar~IP~NAME.NAMESPACE~NAMESPACE.svc.cluster.local)");
    }
    if (node.getId().length() > 1024) {
      throw new IllegalArgumentException("node.id is longer than 1024 characters");
    }
    Map<String, Value> md = node.getMetadata().getFieldsMap();
    String[] parts = node.getId().split("~", -1);
    String type = parts.length == 4 ? parts[0] : "sidecar";
    List<String> ips = new ArrayList<>();
    String instanceIps = string(md, "INSTANCE_IPS");
    if (!instanceIps.isEmpty()) {
      for (String ip : instanceIps.split(",")) {
        if (!ip.isBlank()) {
          ips.add(ip.trim());
        }
      }
    } else if (parts.length == 4 && !parts[1].isEmpty()) {
      ips.add(parts[1]);
    }
    String namespace = string(md, "NAMESPACE");
    if (namespace.isEmpty() && parts.length == 4) {
      int dot = parts[2].lastIndexOf('.');
      namespace = dot >= 0 ? parts[2].substring(dot + 1) : "";
    }
    if (namespace.isEmpty()) {
      namespace = DEFAULT_NAMESPACE;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    Value l = md.get("LABELS");
    if (l != null && l.hasStructValue()) {
      l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.hasStringValue() ? v.getStringValue()
          : v.toString()));
    }
    var loc = node.getLocality();
    String locality = loc.getRegion().isEmpty() && loc.getZone().isEmpty() && loc.getSubZone().isEmpty() ? ""
        : loc.getRegion() + "/" + loc.getZone() + "/" + loc.getSubZone();
    return new Proxy(node.getId(), type, List.copyOf(ips), namespace, Map.copyOf(labels), string(md, "NETWORK"),
        locality, "grpc".equals(string(md, "GENERATOR")), string(md, "AUTO_REGISTER_GROUP"),
        string(md, "WORKLOAD_ENTRY"), string(md, "CLUSTER_ID"), node.getMetadata(), identity);
  }

  private static String string(Map<String, Value> md, String key) {
    Value v = md.get(key);
    return v != null && v.hasStringValue() ? v.getStringValue() : "";
  }

  /** The first IP, or empty. */
  public String ip() {
    return ips.isEmpty() ? "" : ips.get(0);
  }
}
