package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import org.junit.jupiter.api.Test;

class NodeIdentificationTest {
  static Value s(String v) {
    return Value.newBuilder().setStringValue(v).build();
  }

  @Test
  void istioStyleNodeIdAndMetadata() {
    Node node = Node.newBuilder().setId("sidecar~10.0.0.7~vm-1.ns-a~ns-a.svc.cluster.local")
        .setLocality(Locality.newBuilder().setRegion("us-east1").setZone("b").setSubZone("rack2"))
        .setMetadata(Struct.newBuilder()
            .putFields("INSTANCE_IPS", s("10.0.0.7,fd00::7"))
            .putFields("NETWORK", s("vm-net"))
            .putFields("AUTO_REGISTER_GROUP", s("python-http"))
            .putFields("CLUSTER_ID", s("Kubernetes"))
            .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                .putFields("app", s("web")).putFields("version", s("v2"))).build()))
        .build();
    Proxy p = Proxy.fromNode(node, "spiffe://cluster.local/ns/ns-a/sa/web");
    assertThat(p.type()).isEqualTo("sidecar");
    assertThat(p.ips()).containsExactly("10.0.0.7", "fd00::7");
    assertThat(p.namespace()).isEqualTo("ns-a");
    assertThat(p.labels()).containsEntry("app", "web").containsEntry("version", "v2");
    assertThat(p.network()).isEqualTo("vm-net");
    assertThat(p.locality()).isEqualTo("us-east1/b/rack2");
    assertThat(p.autoRegisterGroup()).isEqualTo("python-http");
    assertThat(p.clusterId()).isEqualTo("Kubernetes");
    assertThat(p.proxyless()).isFalse();
    assertThat(p.identity()).isEqualTo("spiffe://cluster.local/ns/ns-a/sa/web");
  }

  @Test
  void metadataNamespaceWinsAndPlainIdsWork() {
    Proxy p = Proxy.fromNode(Node.newBuilder().setId("my-grpc-client").setMetadata(Struct.newBuilder()
        .putFields("NAMESPACE", s("ns-b")).putFields("GENERATOR", s("grpc"))
        .putFields("WORKLOAD_ENTRY", s("vm-9"))).build(), "");
    assertThat(p.namespace()).isEqualTo("ns-b");
    assertThat(p.ips()).isEmpty();
    assertThat(p.proxyless()).isTrue();
    assertThat(p.workloadEntry()).isEqualTo("vm-9");
    assertThat(Proxy.fromNode(Node.newBuilder().setId("x").build(), "").namespace()).isEqualTo("default");
  }

  @Test
  void emptyOrHugeIdsAreRefusedWithAHint() {
    assertThatThrownBy(() -> Proxy.fromNode(Node.getDefaultInstance(), "")).hasMessageContaining("node.id is empty")
        .hasMessageContaining("sidecar~IP~NAME.NAMESPACE");
    assertThatThrownBy(() -> Proxy.fromNode(Node.newBuilder().setId("x".repeat(2000)).build(), ""))
        .hasMessageContaining("longer than 1024");
  }
}
