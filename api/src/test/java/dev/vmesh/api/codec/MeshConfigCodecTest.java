package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Problem;
import org.junit.jupiter.api.Test;

class MeshConfigCodecTest {
  @Test
  void readsWhatTheAgentUsesAndIgnoresTheRestOfIstiosProxyConfigWithANotice() {
    var d = MeshConfigCodec.decode("mesh.yaml", """
        defaultConfig:
          discoveryAddress: a.example.com:15012, b.example.com:15012
          proxyMetadata:
            POD_NAMESPACE: vm
          readinessProbe:
            tcpSocket:
              port: 9090
          tracing:
            zipkin:
              address: zipkin:9411
        meshId: m1
        """);
    assertThat(d.hasErrors()).isFalse();
    assertThat(d.config().discoveryAddresses()).containsExactly("a.example.com:15012", "b.example.com:15012");
    assertThat(d.config().proxyMetadata()).containsEntry("POD_NAMESPACE", "vm");
    assertThat(d.config().readinessProbe().tcpSocket().port()).isEqualTo(9090);
    assertThat(d.config().effectiveStatusPort()).isEqualTo(15020);
    assertThat(d.problems()).extracting(Problem::toString).containsExactly(
        "mesh.yaml:8:3: notice: defaultConfig.tracing: field \"tracing\" is not used by the vmesh agent; ignored",
        "mesh.yaml:11:1: notice: meshId: field \"meshId\" is not used by the vmesh agent; ignored");
  }

  @Test
  void aMisspelledFieldTheAgentReadsIsAnErrorNotASilentDefault() {
    var d = MeshConfigCodec.decode("/etc/vmesh/mesh.yaml", """
        defaultConfig:
          discoveryAdress: a:15012
          readinessProbe:
            tcpSocket: {port: 70000}
        """);
    assertThat(d.config()).isNull();
    assertThat(d.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
        "/etc/vmesh/mesh.yaml:2:3: defaultConfig.discoveryAdress: unknown field \"discoveryAdress\" (did you mean"
            + " \"discoveryAddress\"?)",
        "/etc/vmesh/mesh.yaml:4:23: defaultConfig.readinessProbe.tcpSocket.port: 70000 is not in 1..65535");
  }

  @Test
  void discoveryAddressMustBeHostPort() {
    var d = MeshConfigCodec.decode("mesh.yaml", "defaultConfig:\n  discoveryAddress: vmesh.example.com\n");
    assertThat(d.problems()).extracting(Problem::message)
        .containsExactly("\"vmesh.example.com\" is not host:port; write e.g. vmesh.example.com:15012");
  }

  @Test
  void emptyFileIsAnEmptyConfig() {
    var d = MeshConfigCodec.decode("mesh.yaml", "");
    assertThat(d.config().discoveryAddresses()).isEmpty();
    assertThat(d.config().readinessProbe()).isNull();
  }
}
