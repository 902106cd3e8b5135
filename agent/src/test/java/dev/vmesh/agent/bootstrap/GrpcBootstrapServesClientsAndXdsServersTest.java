package dev.vmesh.agent.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gRPC bootstrap the agent writes for proxyless apps serves clients and xDS-enabled servers alike:
 * the agent's socket as the xDS server, the node, a {@code file_watcher} certificate provider named
 * {@code default} on the files the agent renews (what xDS TLS settings name, gRFC A29), and Istio's
 * {@code server_listener_resource_name_template}, without which grpc-java's {@code XdsServerBuilder}
 * refuses to start.
 */
class GrpcBootstrapServesClientsAndXdsServersTest {

  @Test
  void theBootstrapNamesTheCertificateFilesAndTheServerListenerTemplate() throws Exception {
    Path certs = Path.of("/var/lib/vmesh/certs");
    Struct.Builder root = Struct.newBuilder();
    JsonFormat.parser().merge(BootstrapFiles.grpc(EnvoyAcceptsTheBootstrapTest.NODE, Path.of("/run/vmesh/xds.sock"),
        certs), root);
    Map<String, Value> f = root.getFieldsMap();

    assertThat(f.get("server_listener_resource_name_template").getStringValue())
        .isEqualTo("xds.istio.io/grpc/lds/inbound/%s");
    assertThat(f.get("xds_servers").getListValue().getValues(0).getStructValue().getFieldsMap().get("server_uri")
        .getStringValue()).isEqualTo("unix:///run/vmesh/xds.sock");
    Map<String, Value> provider = f.get("certificate_providers").getStructValue().getFieldsMap().get("default")
        .getStructValue().getFieldsMap();
    assertThat(provider.get("plugin_name").getStringValue()).isEqualTo("file_watcher");
    Map<String, Value> files = provider.get("config").getStructValue().getFieldsMap();
    assertThat(files.get("certificate_file").getStringValue()).isEqualTo(certs.resolve("cert-chain.pem").toString());
    assertThat(files.get("private_key_file").getStringValue()).isEqualTo(certs.resolve("key.pem").toString());
    assertThat(files.get("ca_certificate_file").getStringValue()).isEqualTo(certs.resolve("root-cert.pem").toString());
    assertThat(f.get("node").getStructValue().getFieldsMap().get("id").getStringValue())
        .isEqualTo(EnvoyAcceptsTheBootstrapTest.NODE.getId());
  }
}
