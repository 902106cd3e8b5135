package dev.vmesh.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.MeshNetworks;
import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.MeshNetworksCodec;
import dev.vmesh.registry.network.NetworkGateway;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The registry's network gateways (istio-dataplane spec E.2): a WorkloadEntry labelled
 * {@code topology.istio.io/network} that lists the gateway's mTLS port is a gateway of that network (its own
 * registration), meshNetworks adds gateways by address and by a service's endpoints, and every change of
 * the gateways is reported so that EDS is pushed again; Gateways and VirtualServices are kept for routers.
 */
class NetworkGatewaysAreFoundWhereIstioFindsThemTest {
  static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: WorkloadEntry
      metadata: {name: gw1, namespace: istio-system, labels: {topology.istio.io/network: net1}}
      spec: {address: 192.0.2.1, labels: {istio: eastwestgateway}, ports: {tls: 15443}}
      """;

  static List<String> gateways(Registry reg) {
    return reg.networks().all().stream().map(g -> g.network() + " " + g.address() + ":" + g.port() + " " + g.source())
        .toList();
  }

  @Test
  void aWorkloadEntryLabelledWithItsNetworkAndListingTheGatewayPortIsAGateway() {
    Registry reg = Yaml.registry(GATEWAY + """
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: apps}
        spec: {address: 10.2.0.5, network: net2, ports: {tls: 15443}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: no-port, namespace: istio-system}
        spec: {address: 192.0.2.9, labels: {topology.istio.io/network: net9}, ports: {status: 15021}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: own-port, namespace: istio-system}
        spec:
          address: 192.0.2.7
          labels: {topology.istio.io/network: net7, networking.istio.io/gatewayPort: "16443"}
          ports: {tls: 16443}
        """);
    assertThat(gateways(reg)).as("a VM with spec.network is no gateway; one without the mTLS port is none either")
        .containsExactly("net1 192.0.2.1:15443 WorkloadEntry istio-system/gw1",
            "net7 192.0.2.7:16443 WorkloadEntry istio-system/own-port");
    assertThat(reg.networks().multiNetwork()).isTrue();
    assertThat(reg.networks().gateways("net2")).isEmpty();
    assertThat(reg.networks().gateways("")).isEmpty();
  }

  @Test
  void gatewaysComingGoingAndTurningUnhealthyAreReportedAsChanges() {
    Registry reg = Yaml.registry("");
    assertThat(reg.networks().multiNetwork()).isFalse();
    Resource gw = Yaml.objects(GATEWAY).get(0);
    assertThat(reg.upsert(gw).networks()).isTrue();
    assertThat(reg.upsert(gw).networks()).as("the same object again").isFalse();

    Resource unhealthy = gw.withMetadata(gw.metadata().withAnnotations(Map.of(
        "proxy.istio.io/health-checks-enabled", "true")));
    assertThat(reg.upsert(unhealthy).networks()).as("a gateway whose probe has not passed takes no traffic").isTrue();
    assertThat(reg.networks().all()).isEmpty();
    assertThat(reg.upsert(gw).networks()).isTrue();
    Registry.Changes gone = reg.delete(gw.key());
    assertThat(gone.networks()).isTrue();
    assertThat(gone.isEmpty()).isFalse();
    assertThat(reg.networks().multiNetwork()).isFalse();

    Resource vm = Yaml.objects("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: vm1, namespace: apps}
        spec: {address: 10.2.0.5, network: net2}
        """).get(0);
    assertThat(reg.upsert(vm).networks()).isFalse();
  }

  @Test
  void meshNetworksAddsGatewaysByAddressAndByTheEndpointsOfAService() {
    MeshNetworks mesh = MeshNetworksCodec.decode("mesh-networks.yaml", """
        networks:
          net1:
            endpoints: [{fromRegistry: Kubernetes}]
            gateways:
            - registryServiceName: istio-eastwestgateway.istio-system.svc.cluster.local
              port: 15443
          net2:
            endpoints: [{fromCidr: 10.2.0.0/16}]
            gateways: [{address: 198.51.100.2, port: 15443}, {address: 198.51.100.3, port: 15443}]
        """).networks();
    Registry reg = new Registry(RegistryOptions.DEFAULTS.withMeshNetworks(mesh));
    reg.load(Yaml.objects("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: istio-eastwestgateway, namespace: istio-system}
        spec:
          hosts: [istio-eastwestgateway.istio-system.svc.cluster.local]
          ports: [{number: 15443, name: tls, protocol: TLS}]
          resolution: STATIC
          workloadSelector: {labels: {istio: eastwestgateway}}
        """));
    assertThat(gateways(reg)).containsExactly("net2 198.51.100.2:15443 meshNetworks",
        "net2 198.51.100.3:15443 meshNetworks");
    assertThat(reg.networks().scaleFactor()).isEqualTo(2);

    Resource gwVm = Yaml.objects("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: eastwest-1, namespace: istio-system}
        spec: {address: 192.0.2.11, labels: {istio: eastwestgateway}}
        """).get(0);
    assertThat(reg.upsert(gwVm).networks()).as("the service's endpoint is net1's gateway").isTrue();
    assertThat(reg.networks().gateways("net1")).extracting(NetworkGateway::address).containsExactly("192.0.2.11");
    assertThat(reg.networks().gateways("net1").get(0).source())
        .isEqualTo("meshNetworks registryServiceName istio-eastwestgateway.istio-system.svc.cluster.local");
    assertThat(reg.delete(gwVm.key()).networks()).isTrue();
    assertThat(reg.networks().gateways("net1")).isEmpty();

    // endpoints naming no network: fromRegistry: Kubernetes (this registry) before fromCidr
    assertThat(reg.networks().networkOf("", "10.2.0.5")).isEqualTo("net1");
    assertThat(reg.networks().networkOf("mine", "10.2.0.5")).isEqualTo("mine");
  }

  @Test
  void fromCidrClassifiesEndpointsWithoutANetworkByAddress() {
    MeshNetworks mesh = MeshNetworksCodec.decode("mesh-networks.yaml", """
        networks:
          east: {endpoints: [{fromCidr: 10.1.0.0/16}, {fromCidr: "fd00:1::/64"}]}
          west: {endpoints: [{fromCidr: 10.2.0.0/16}]}
        """).networks();
    assertThat(mesh.networkOf("10.1.200.3")).isEqualTo("east");
    assertThat(mesh.networkOf("fd00:1::9")).isEqualTo("east");
    assertThat(mesh.networkOf("10.2.0.1")).isEqualTo("west");
    assertThat(mesh.networkOf("10.3.0.1")).isEmpty();
    assertThat(mesh.networkOf("/run/app.sock")).isEmpty();
  }

  @Test
  void gatewaysAndVirtualServicesAreKeptForRoutersAndTheirChangesReported() {
    Registry reg = Yaml.registry("");
    List<Resource> objects = Yaml.objects("""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: cross-network-gateway, namespace: istio-system}
        spec:
          selector: {istio: eastwestgateway}
          servers: [{port: {number: 15443, name: tls, protocol: TLS}, tls: {mode: AUTO_PASSTHROUGH}, hosts: ["*.local"]}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: istiod-vs, namespace: istio-system}
        spec:
          hosts: ["*"]
          gateways: [cross-network-gateway]
          tls:
          - match: [{port: 15443, sniHosts: ["*"]}]
            route: [{destination: {host: istiod.istio-system.svc.cluster.local, port: {number: 15012}}}]
        """);
    for (Resource r : objects) {
      Registry.Changes c = reg.upsert(r);
      assertThat(c.gatewayConfig()).isTrue();
      assertThat(c.isEmpty()).isFalse();
    }
    assertThat(reg.upsert(objects.get(0)).gatewayConfig()).as("unchanged").isFalse();
    var config = reg.gatewayConfig();
    assertThat(config.gatewaysFor(Map.of("istio", "eastwestgateway", "app", "x"))).hasSize(1);
    assertThat(config.gatewaysFor(Map.of("app", "x"))).isEmpty();
    assertThat(config.virtualServicesFor(config.gateways().get(0))).extracting(Resource::name).containsExactly("istiod-vs");
    assertThat(reg.delete(objects.get(1).key()).gatewayConfig()).isTrue();
    assertThat(reg.gatewayConfig().virtualServices()).isEmpty();
  }
}
