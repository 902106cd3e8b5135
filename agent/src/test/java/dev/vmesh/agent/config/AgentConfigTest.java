package dev.vmesh.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
  @TempDir
  Path dir;

  AgentConfig.Paths paths() {
    return new AgentConfig.Paths(dir, dir.resolve("state"), dir.resolve("run"));
  }

  void files(String clusterEnv, String mesh) throws Exception {
    Files.writeString(dir.resolve("cluster.env"), clusterEnv);
    Files.writeString(dir.resolve("mesh.yaml"), mesh);
  }

  @Test
  void clusterEnvOverridesMeshMetadataAndTheEnvironmentOverridesBoth() throws Exception {
    files("""
        POD_NAMESPACE='vm'
        SERVICE_ACCOUNT='web'
        ISTIO_SVC_IP='10.0.0.5'
        ISTIO_META_NETWORK='nw-env'
        ISTIO_METAJSON_LABELS='{"app":"web","topology.kubernetes.io/region":"r1","topology.kubernetes.io/zone":"z1"}'
        ISTIO_META_AUTO_REGISTER_GROUP='web'
        """, """
        defaultConfig:
          discoveryAddress: a.example.com:15012,b.example.com:15012
          proxyMetadata:
            ISTIO_META_NETWORK: nw-mesh
            TRUST_DOMAIN: example.org
            ISTIO_META_CLUSTER_ID: c1
          readinessProbe:
            tcpSocket: {port: 8080}
        """);
    var c = AgentConfig.load(paths(), Map.of("INSTANCE_IP", "10.9.9.9", "HOME", "/root", "POD_NAME", "vm-7"), null);
    assertThat(c.identity().uri()).isEqualTo("spiffe://example.org/ns/vm/sa/web");
    assertThat(c.network()).isEqualTo("nw-env");
    assertThat(c.clusterId()).isEqualTo("c1");
    assertThat(c.instanceIps()).containsExactly("10.9.9.9");
    assertThat(c.labels()).containsEntry("app", "web");
    assertThat(c.locality()).isEqualTo("r1/z1/");
    assertThat(c.autoRegisterGroup()).isEqualTo("web");
    assertThat(c.discoveryAddresses()).containsExactly("a.example.com:15012", "b.example.com:15012");
    assertThat(c.caAddress()).isEqualTo("a.example.com:15012");
    assertThat(c.probe().tcpSocket().port()).isEqualTo(8080);
    assertThat(c.nodeId()).isEqualTo("sidecar~10.9.9.9~vm-7.vm~vm.svc.cluster.local");
    assertThat(c.settings()).doesNotContainKey("HOME");
    assertThat(c.withPrefix("ISTIO_META_")).containsEntry("NETWORK", "nw-env").containsEntry("CLUSTER_ID", "c1");
    assertThat(c.probeHost()).isEqualTo("10.9.9.9");
  }

  @Test
  void flagsOverrideTheDiscoveryAddressAndExternalIpsProbeLocalhost() throws Exception {
    files("ISTIO_SVC_IP='203.0.113.7'\nREWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION='true'\nCA_ADDR='ca.example.com:15012'\n",
        "defaultConfig:\n  discoveryAddress: a.example.com:15012\n");
    var c = AgentConfig.load(paths(), Map.of(), List.of("127.0.0.1:15012"));
    assertThat(c.discoveryAddresses()).containsExactly("127.0.0.1:15012");
    assertThat(c.caAddress()).isEqualTo("ca.example.com:15012");
    assertThat(c.probeHost()).isEqualTo("localhost");
    assertThat(c.identity().uri()).isEqualTo("spiffe://cluster.local/ns/default/sa/default");
  }

  @Test
  void mistakesNameTheFileAndTheFix() throws Exception {
    files("ISTIO_SVC_IP='10.0.0.1'\n", "defaultConfig: {}\n");
    assertThatThrownBy(() -> AgentConfig.load(paths(), Map.of(), null))
        .hasMessageContaining("mesh.yaml: defaultConfig.discoveryAddress is missing");
    files("ISTIO_SVC_IP='10.0.0.1'\nPOD_NAMESPACE='Not_Valid'\n", "defaultConfig: {discoveryAddress: a:1}\n");
    assertThatThrownBy(() -> AgentConfig.load(paths(), Map.of(), null))
        .hasMessageContaining("cluster.env: POD_NAMESPACE/SERVICE_ACCOUNT:");
    files("ISTIO_SVC_IP='10.0.0.1'\nISTIO_METAJSON_LABELS='{\"a\": 1}'\n", "defaultConfig: {discoveryAddress: a:1}\n");
    assertThatThrownBy(() -> AgentConfig.load(paths(), Map.of(), null))
        .hasMessageContaining("ISTIO_METAJSON_LABELS: label \"a\" must be a string");
    files("ISTIO_SVC_IP=$(hostname -i)\n", "defaultConfig: {discoveryAddress: a:1}\n");
    assertThatThrownBy(() -> AgentConfig.load(paths(), Map.of(), null))
        .hasMessageContaining("cluster.env:1: ISTIO_SVC_IP: shell expansion");
    files("", "defaultConfig:\n  discoveryAdress: a:1\n");
    assertThatThrownBy(() -> AgentConfig.load(paths(), Map.of(), null))
        .hasMessageContaining("mesh.yaml:2:3: defaultConfig.discoveryAdress: unknown field");
  }

  @Test
  void withoutOnboardingFilesTheMessageNamesTheDirectoryAndTheCommandThatWritesThem() {
    assertThatThrownBy(() -> AgentConfig.load(paths(), Map.of(), List.of("127.0.0.1:15012")))
        .hasMessage("no onboarding files in " + dir + " (run vmesh workload entry configure -o DIR where the"
            + " server is reachable, copy DIR's files to " + dir + ", or point --config-dir at DIR)");
    Path missing = dir.resolve("etc-vmesh");
    assertThatThrownBy(() -> AgentConfig.load(new AgentConfig.Paths(missing, dir, dir), Map.of(), null))
        .hasMessageStartingWith("no onboarding files: " + missing + " does not exist (run vmesh workload entry"
            + " configure");
  }
}
