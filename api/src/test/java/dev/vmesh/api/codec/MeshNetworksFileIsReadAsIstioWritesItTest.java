package dev.vmesh.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.MeshNetworks;
import dev.vmesh.api.Problem;
import org.junit.jupiter.api.Test;

/**
 * Istio's meshNetworks file ({@code networks:}) is read as istiod reads it, and each mistake is an error
 * at its file:line:col naming the field and the fix; nothing is half-applied (no networks on error).
 */
class MeshNetworksFileIsReadAsIstioWritesItTest {

  @Test
  void istiosMultiNetworkExampleLoads() {
    var d = MeshNetworksCodec.decode("mesh-networks.yaml", """
        networks:
          network1:
            endpoints:
            - fromRegistry: Kubernetes
            gateways:
            - registryServiceName: istio-ingressgateway.istio-system.svc.cluster.local
              port: 443
          vm-network:
            endpoints:
            - fromCidr: 192.168.10.0/24
            gateways:
            - address: 203.0.113.10
              port: 15443
              locality: us-east1
        """);
    assertThat(d.problems()).isEmpty();
    MeshNetworks m = d.networks();
    assertThat(m.networks()).containsOnlyKeys("network1", "vm-network");
    assertThat(m.networks().get("network1").holdsRegistry()).isTrue();
    assertThat(m.networks().get("vm-network").gateways()).containsExactly(
        new MeshNetworks.Gateway("203.0.113.10", "", 15443, "us-east1"));
    assertThat(m.networks().get("network1").gateways().get(0).registryServiceName())
        .isEqualTo("istio-ingressgateway.istio-system.svc.cluster.local");
  }

  @Test
  void anEmptyFileMeansNoNetworks() {
    assertThat(MeshNetworksCodec.decode("f.yaml", "").networks()).isEqualTo(MeshNetworks.NONE);
    assertThat(MeshNetworksCodec.decode("f.yaml", "networks: {}\n").networks().networks()).isEmpty();
  }

  @Test
  void mistakesAreErrorsAtTheirLineWithTheFix() {
    var d = MeshNetworksCodec.decode("mesh-networks.yaml", """
        networks:
          n1:
            endpoints:
            - {fromCidr: 10.0.0.0/33}
            - {fromCidr: 10.0.0.0/8, fromRegistry: Kubernetes}
            gateways:
            - {address: gw.example.com, port: 15443}
            - {address: 192.0.2.1}
            - {address: 192.0.2.1, registryServiceName: gw.example.com, port: 15443}
            - {registryServiceName: "bad_name", port: 15443}
          n2:
            endpoints: [{fromRegistry: cluster-2}]
            gatways: []
        """);
    assertThat(d.networks()).isNull();
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .startsWith("mesh-networks.yaml:4:").contains("networks.n1.endpoints[0].fromCidr")
        .contains("\"10.0.0.0/33\" is not a CIDR prefix"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .startsWith("mesh-networks.yaml:5:").contains("set exactly one of fromCidr"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .startsWith("mesh-networks.yaml:7:").contains("gateways[0].address")
        .contains("vmesh does not resolve gateway hostnames"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .contains("gateways[1].port").contains("a gateway needs its port"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .startsWith("mesh-networks.yaml:9:").contains("set exactly one of address"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .contains("gateways[3].registryServiceName"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .startsWith("mesh-networks.yaml:12:").contains("warning").contains("cluster-2")
        .contains("matches no endpoint"));
    assertThat(d.problems()).map(Problem::toString).anySatisfy(p -> assertThat(p)
        .startsWith("mesh-networks.yaml:13:").contains("unknown field \"gatways\"").contains("did you mean \"gateways\""));
  }

  @Test
  void aServiceNamedGatewayOutsideTheRegistrysNetworkIsAWarning() {
    var d = MeshNetworksCodec.decode("f.yaml", """
        networks:
          n1:
            endpoints: [{fromCidr: 10.0.0.0/8}]
            gateways: [{registryServiceName: gw.example.com, port: 15443}]
        """);
    assertThat(d.hasErrors()).isFalse();
    assertThat(d.problems()).singleElement().satisfies(p -> assertThat(p.toString())
        .contains("networks.n1.gateways[0].registryServiceName").contains("fromRegistry: Kubernetes"));
  }
}
