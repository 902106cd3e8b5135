package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Value;
import dev.vmesh.agent.config.AgentConfig;
import dev.vmesh.proto.Wire;
import dev.vmesh.xds.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodesTest {
  @TempDir
  Path dir;

  AgentConfig config() throws Exception {
    Files.writeString(dir.resolve("cluster.env"), """
        POD_NAMESPACE='vm'
        SERVICE_ACCOUNT='web'
        ISTIO_SVC_IP='10.0.0.5'
        ISTIO_META_NETWORK='nw1'
        ISTIO_META_WORKLOAD_NAME='web'
        ISTIO_META_AUTO_REGISTER_GROUP='web'
        ISTIO_METAJSON_LABELS='{"app":"web","istio-locality":"r1.z1.s1"}'
        """);
    Files.writeString(dir.resolve("mesh.yaml"), """
        defaultConfig:
          discoveryAddress: 127.0.0.1:15012
          readinessProbe:
            httpGet: {port: 8080, path: /healthz}
        """);
    return AgentConfig.load(new AgentConfig.Paths(dir, dir, dir), Map.of("POD_NAME", "vm-1"), null);
  }

  @Test
  void theServerReadsTheAgentsNodeAsTheVmItIs() throws Exception {
    var node = Nodes.agent(config(), "0.1.0");
    Proxy p = Proxy.fromNode(node, "spiffe://cluster.local/ns/vm/sa/web");
    assertThat(p.namespace()).isEqualTo("vm");
    assertThat(p.ips()).containsExactly("10.0.0.5");
    assertThat(p.network()).isEqualTo("nw1");
    assertThat(p.autoRegisterGroup()).isEqualTo("web");
    assertThat(p.labels()).containsEntry("app", "web");
    assertThat(p.locality()).isEqualTo("r1/z1/s1");
    assertThat(p.proxyless()).isFalse();
    Value probe = node.getMetadata().getFieldsOrThrow("PROXY_CONFIG").getStructValue().getFieldsOrThrow("readinessProbe");
    assertThat(probe.getStructValue().getFieldsOrThrow("httpGet").getStructValue().getFieldsOrThrow("path")
        .getStringValue()).isEqualTo("/healthz");
    assertThat(node.getCluster()).isEqualTo("web.vm");
  }

  @Test
  void theAgentsNodeCarriesItsVersionAndLocalAppsNodesDoNot() throws Exception {
    var node = Nodes.agent(config(), "1.2.3");
    assertThat(node.getMetadata().getFieldsOrThrow(Wire.Meta.VMESH_VERSION).getStringValue()).isEqualTo("1.2.3");
    assertThat(Nodes.grpcApp(config(), "1.2.3").getMetadata().containsFields(Wire.Meta.VMESH_VERSION)).isFalse();
  }

  @Test
  void localClientsCannotRegisterOrClaimAnotherNamespace() throws Exception {
    var app = Nodes.grpcApp(config(), "0.1.0");
    Proxy p = Proxy.fromNode(app, "");
    assertThat(p.proxyless()).isTrue();
    assertThat(p.autoRegisterGroup()).isEmpty();

    var sneaky = app.toBuilder().setMetadata(app.getMetadata().toBuilder()
        .putFields("NAMESPACE", Value.newBuilder().setStringValue("kube-system").build())
        .putFields("WORKLOAD_ENTRY", Value.newBuilder().setStringValue("someone-else").build())
        .putFields("AUTO_REGISTER_GROUP", Value.newBuilder().setStringValue("web").build())).build();
    Proxy forwarded = Proxy.fromNode(Nodes.forwarded(sneaky, "vm"), "");
    assertThat(forwarded.namespace()).isEqualTo("vm");
    assertThat(forwarded.workloadEntry()).isEmpty();
    assertThat(forwarded.autoRegisterGroup()).isEmpty();
    assertThat(forwarded.id()).isEqualTo(app.getId());
  }
}
