package dev.vmesh.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.vmesh.proto.Wire.Meta;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code Proxy} is what the server knows about one connected xDS client, read from its {@code Node}
 * the way istiod reads it: the id {@code type~ip~name.namespace~domain}, and metadata keys
 * {@code NAMESPACE}, {@code INSTANCE_IPS}, {@code LABELS}, {@code NETWORK}, {@code AUTO_REGISTER_GROUP},
 * {@code WORKLOAD_ENTRY}, {@code GENERATOR} ({@code grpc} for proxyless gRPC clients), and the node's
 * locality.
 *
 * @param identity the identity the transport proved (SPIFFE id of the client certificate), or empty;
 *     when present, {@code namespace} is always the identity's
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

  /**
   * Reads a proxy from the first request's node; throws IllegalArgumentException saying what is wrong,
   * {@link IdentityMismatchException} when the node claims a namespace or service account that
   * {@code identity} (when not empty) does not prove. A node that names no namespace gets its
   * identity's.
   */
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
    String instanceIps = string(md, Meta.INSTANCE_IPS);
    if (!instanceIps.isEmpty()) {
      for (String ip : instanceIps.split(",")) {
        if (!ip.isBlank()) {
          ips.add(ip.trim());
        }
      }
    } else if (parts.length == 4 && !parts[1].isEmpty()) {
      ips.add(parts[1]);
    }
    String namespace = string(md, Meta.NAMESPACE);
    if (namespace.isEmpty() && parts.length == 4) {
      int dot = parts[2].lastIndexOf('.');
      namespace = dot >= 0 ? parts[2].substring(dot + 1) : "";
    }
    if (!identity.isEmpty()) {
      namespace = authorize(identity, namespace, string(md, Meta.SERVICE_ACCOUNT));
    }
    if (namespace.isEmpty()) {
      namespace = DEFAULT_NAMESPACE;
    }
    Map<String, String> labels = new LinkedHashMap<>();
    Value l = md.get(Meta.LABELS);
    if (l != null && l.hasStructValue()) {
      l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.hasStringValue() ? v.getStringValue()
          : v.toString()));
    }
    var loc = node.getLocality();
    String locality = loc.getRegion().isEmpty() && loc.getZone().isEmpty() && loc.getSubZone().isEmpty() ? ""
        : loc.getRegion() + "/" + loc.getZone() + "/" + loc.getSubZone();
    return new Proxy(node.getId(), type, List.copyOf(ips), namespace, Map.copyOf(labels), string(md, Meta.NETWORK),
        locality, Meta.GENERATOR_GRPC.equals(string(md, Meta.GENERATOR)), string(md, Meta.AUTO_REGISTER_GROUP),
        string(md, Meta.WORKLOAD_ENTRY), string(md, Meta.CLUSTER_ID), node.getMetadata(), identity);
  }

  /**
   * The namespace a proxy proving {@code identity} gets: the identity's own. A proxy that claims
   * another namespace (metadata {@code NAMESPACE}, else the node id), or another service account
   * ({@code SERVICE_ACCOUNT}), is refused, as istiod refuses it: config is only served for what the
   * credentials prove.
   */
  private static String authorize(String identity, String claimedNamespace, String claimedServiceAccount) {
    // spiffe://<trust domain>/ns/<namespace>/sa/<service account>, as the authenticator proved it
    String[] path = identity.startsWith("spiffe://") ? identity.substring(9).split("/", -1) : new String[0];
    if (path.length != 5 || !path[1].equals("ns") || !path[3].equals("sa") || path[2].isEmpty()) {
      throw new IdentityMismatchException("the connection's identity " + identity + " is not a workload SPIFFE id "
          + "(spiffe://<trust domain>/ns/<namespace>/sa/<service account>)");
    }
    String proven = path[2];
    if (!claimedNamespace.isEmpty() && !claimedNamespace.equals(proven)) {
      String claimed = quoted(claimedNamespace);
      throw new IdentityMismatchException("the node claims namespace " + claimed + " but its credentials "
          + "prove " + identity + "; a proxy gets only the config of its own namespace: set NAMESPACE to " + proven
          + " or connect with a certificate or token for " + claimed);
    }
    if (!claimedServiceAccount.isEmpty() && !claimedServiceAccount.equals(path[4])) {
      String claimed = quoted(claimedServiceAccount);
      throw new IdentityMismatchException("the node claims service account " + claimed + " but its "
          + "credentials prove " + identity + "; set SERVICE_ACCOUNT to " + path[4] + " or connect with a "
          + "certificate or token for " + claimed);
    }
    return proven;
  }

  /** Most characters of a value from the node repeated in an error (the rest is cut, and said to be). */
  public static final int MAX_QUOTED = 128;

  /** {@code value} as an error message repeats what a node sent: at most {@value #MAX_QUOTED} characters. */
  public static String quoted(String value) {
    return value.length() <= MAX_QUOTED ? value
        : value.substring(0, MAX_QUOTED) + "... (" + (value.length() - MAX_QUOTED) + " more characters)";
  }

  /** A node that claims a namespace or service account its connection's credentials do not prove. */
  public static final class IdentityMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    IdentityMismatchException(String message) {
      super(message);
    }
  }

  private static String string(Map<String, Value> md, String key) {
    Value v = md.get(key);
    return v != null && v.hasStringValue() ? v.getStringValue() : "";
  }

  /** Node type of network gateways (Istio's {@code router~} node ids). */
  public static final String ROUTER = "router";

  /** Whether the proxy is a gateway ({@code router~...} node id): it gets gateway config, not sidecar config. */
  public boolean router() {
    return ROUTER.equals(type);
  }

  /**
   * The networks whose endpoints the proxy sees ({@code REQUESTED_NETWORK_VIEW}, sorted, without blanks);
   * empty means every network.
   */
  public List<String> requestedNetworkView() {
    String v = string(metadata.getFieldsMap(), Meta.REQUESTED_NETWORK_VIEW);
    if (v.isEmpty()) {
      return List.of();
    }
    TreeSet<String> out = new TreeSet<>();
    for (String n : v.split(",")) {
      if (!n.isBlank()) {
        out.add(n.trim());
      }
    }
    return List.copyOf(out);
  }

  /** The first IP, or empty. */
  public String ip() {
    return ips.isEmpty() ? "" : ips.get(0);
  }
}
