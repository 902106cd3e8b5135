package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every resource the server generates prints as JSON in {@code /debug/config_dump}, down to the
 * messages packed inside it (filters, TLS contexts): each resource type names the messages it is made
 * of, and the dump prints with exactly those.
 */
class ConfigDumpPrintsEveryResourceTest {
  /** The sidecar mesh, with the workload running mTLS (a service account), so clusters carry TLS contexts. */
  static final String MESH = SidecarResourcesTest.MESH.replace("spec: {address: 10.0.0.5, labels: {app: web}}",
      "spec: {address: 10.0.0.5, labels: {app: web}, serviceAccount: web}");
  static final Proxy GRPC = new Proxy("grpc-1", "sidecar", List.of("10.0.0.7"), "ns1", Map.of(), "", "", true, "",
      "", "", Struct.getDefaultInstance(), "");

  @Test
  void everyResourceOfEveryTypePrintsWithWhatItPacks() throws Exception {
    try (Harness h = new Harness(MESH)) {
      MeshView mesh = new MeshView(() -> h.registry);
      ConfigDump dump = new ConfigDump("c", SidecarResourcesTest.SIDECAR, Map.of(), ResourceTypes.ALL.jsonTypes());
      StringBuilder all = new StringBuilder();
      int printed = 0;
      for (ResourceType type : ResourceTypes.ALL.all()) {
        for (Proxy proxy : List.of(SidecarResourcesTest.SIDECAR, GRPC)) {
          if (!type.serves(proxy)) {
            continue;
          }
          for (String name : type.wildcardNames(proxy, mesh)) {
            XdsResource r = type.generate(proxy, name, mesh);
            if (r != null) {
              String json = dump.json(r);
              assertThat(json).as(type.getClass().getSimpleName() + " " + name).doesNotContain("cannot print")
                  .contains("\"@type\": \"" + type.typeUrl() + "\"");
              all.append(json);
              printed++;
            }
          }
        }
      }
      assertThat(printed).isGreaterThan(15);
      assertThat(all.toString()).contains(
          "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
          "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
          "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
          "type.googleapis.com/envoy.extensions.filters.listener.original_dst.v3.OriginalDst");
    }
  }
}
