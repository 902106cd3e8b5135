package dev.vmesh.agent.bootstrap;

import com.google.protobuf.Value;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.pki.Pem;
import dev.vmesh.proto.Wire;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code BootstrapFiles} writes the bootstrap files local xDS clients start from. Both point at the
 * agent's local xDS proxy (a unix socket), never at the server: the agent holds the VM's certificate
 * and forwards. Proxyless gRPC apps read the gRPC bootstrap ({@code GRPC_XDS_BOOTSTRAP}): its
 * {@code file_watcher} certificate provider reads the certificate files the agent renews (clients and
 * xDS-enabled servers take their mTLS certificates from it), and its
 * {@code server_listener_resource_name_template} (Istio's) is what an xDS-enabled server (grpc-java's
 * {@code XdsServerBuilder}) asks the server for. Envoy's bootstrap is {@link EnvoyBootstrap}.
 */
public final class BootstrapFiles {
  private BootstrapFiles() {}

  /** The gRPC xDS bootstrap JSON. */
  public static String grpc(Node node, Path xdsSocket, Path certDir) {
    Map<String, Object> server = new LinkedHashMap<>();
    server.put("server_uri", "unix://" + xdsSocket.toAbsolutePath());
    server.put("channel_creds", List.of(Map.of("type", "insecure")));
    server.put("server_features", List.of("xds_v3"));
    Map<String, Object> watcher = new LinkedHashMap<>();
    watcher.put("certificate_file", certDir.resolve("cert-chain.pem").toAbsolutePath().toString());
    watcher.put("private_key_file", certDir.resolve("key.pem").toAbsolutePath().toString());
    watcher.put("ca_certificate_file", certDir.resolve("root-cert.pem").toAbsolutePath().toString());
    watcher.put("refresh_interval", "60s");
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("xds_servers", List.of(server));
    root.put("node", nodeTree(node, false));
    root.put("server_listener_resource_name_template", Wire.GRPC_SERVER_LISTENER_PREFIX + "%s");
    root.put("certificate_providers", Map.of(Wire.GRPC_CERTIFICATE_PROVIDER, Map.of("plugin_name", "file_watcher",
        "config", watcher)));
    return TreeWriter.json(root, true) + "\n";
  }

  /** Writes {@code text} to {@code file} atomically, readable by the VM's apps. */
  public static void write(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Pem.writeAtomically(file, text, "rw-r--r--");
  }

  /**
   * The node as a bootstrap spells it: id, cluster, locality, metadata. For gRPC the locality is always
   * written (empty when the node has none): grpc-js refuses a bootstrap whose node has no locality. For
   * Envoy ({@code envoy}) the names are proto3 JSON's (camelCase), the locality only when there is one,
   * and the user agent is added.
   */
  static Map<String, Object> nodeTree(Node node, boolean envoy) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", node.getId());
    out.put("cluster", node.getCluster());
    if (node.hasLocality() || !envoy) {
      Map<String, Object> locality = new LinkedHashMap<>();
      if (node.hasLocality()) {
        locality.put("region", node.getLocality().getRegion());
        locality.put("zone", node.getLocality().getZone());
        locality.put(envoy ? "subZone" : "sub_zone", node.getLocality().getSubZone());
      }
      out.put("locality", locality);
    }
    out.put("metadata", tree(Value.newBuilder().setStructValue(node.getMetadata()).build()));
    if (envoy && !node.getUserAgentName().isEmpty()) {
      out.put("userAgentName", node.getUserAgentName());
      out.put("userAgentVersion", node.getUserAgentVersion());
    }
    return out;
  }

  private static Object tree(Value v) {
    return switch (v.getKindCase()) {
      case STRUCT_VALUE -> {
        Map<String, Object> m = new TreeMap<>();
        v.getStructValue().getFieldsMap().forEach((k, x) -> m.put(k, tree(x)));
        yield m;
      }
      case LIST_VALUE -> v.getListValue().getValuesList().stream().map(BootstrapFiles::tree).toList();
      case BOOL_VALUE -> v.getBoolValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case STRING_VALUE -> v.getStringValue();
      default -> null;
    };
  }
}
