package dev.vmesh.controlplane.autoregistration;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.xds.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EntryFromGroupTest {
  @Test
  void theSpecExample() {
    Resource group = ResourceDecoder.decodeOne("wg.yaml", """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: wg-a, namespace: a, uid: group-uid}
        spec:
          metadata:
            labels: {foo: bar}
            annotations: {foo: bar}
          template:
            labels: {app: a}
            network: nw0
            locality: rgn1/zone1/subzone1
            ports: {http: 80}
            weight: 1
            serviceAccount: sa-a
        """);
    Proxy proxy = new Proxy("sidecar~10.0.0.1~vm.a~a.svc.cluster.local", "sidecar", List.of("10.0.0.1"), "a",
        Map.of("merge", "me", WellKnown.ISTIO_LOCALITY, "rgn2.zone2.subzone2"), "nw1", "rgn2/zone2/subzone2", false,
        "wg-a", "", "", Struct.getDefaultInstance(), "");
    Resource we = GroupEntries.fromGroup(group, proxy);
    WorkloadEntrySpec spec = we.spec(WorkloadEntrySpec.class);
    assertThat(we.name()).isEqualTo("wg-a-10.0.0.1-nw1");
    assertThat(spec.labels()).isEqualTo(Map.of("app", "a", "foo", "bar", "merge", "me"));
    assertThat(we.metadata().annotations()).isEqualTo(Map.of(WellKnown.AUTO_REGISTRATION_GROUP, "wg-a", "foo", "bar"));
    assertThat(spec.network()).isEqualTo("nw1");
    assertThat(spec.locality()).isEqualTo("rgn2/zone2/subzone2");
    assertThat(spec.weight()).isEqualTo(1);
    assertThat(spec.serviceAccount()).isEqualTo("sa-a");
    assertThat(spec.address()).isEqualTo("10.0.0.1");
    assertThat(we.metadata().ownerReferences().get(0).uid()).isEqualTo("group-uid");
  }

  @Test
  void namesAreTrimmedFromTheFrontToFit() {
    String longGroup = "g".repeat(260);
    assertThat(GroupEntries.entryName(longGroup, "1.2.3.4", "nw", "a")).hasSize(253).endsWith("-1.2.3.4-nw");
    assertThat(GroupEntries.entryName("wg", "fe80::1", "", "a")).isEqualTo("wg-fe80--1");
  }

  @Test
  void onlyTheGroupMakesAnEntryANetworkGateway() {
    Resource vms = ResourceDecoder.decodeOne("wg.yaml", """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: vms, namespace: a, uid: u1}
        spec: {template: {serviceAccount: sa-a, ports: {tls: 15443}}}
        """);
    Resource gateways = ResourceDecoder.decodeOne("wg.yaml", """
        apiVersion: networking.istio.io/v1
        kind: WorkloadGroup
        metadata: {name: eastwest, namespace: a, uid: u2}
        spec:
          metadata: {labels: {topology.istio.io/network: net1, istio: eastwestgateway}}
          template: {serviceAccount: sa-a, network: net1, ports: {tls: 15443}}
        """);
    Proxy claiming = new Proxy("router~10.0.0.1~gw.a~a.svc.cluster.local", "router", List.of("10.0.0.1"), "a",
        Map.of(WellKnown.TOPOLOGY_NETWORK, "net2"), "net2", "", false, "vms", "", "", Struct.getDefaultInstance(), "");
    assertThat(GroupEntries.fromGroup(vms, claiming).spec(WorkloadEntrySpec.class).labels())
        .as("a VM cannot make itself another network's gateway").doesNotContainKey(WellKnown.TOPOLOGY_NETWORK);
    Resource gw = GroupEntries.fromGroup(gateways, claiming);
    assertThat(gw.spec(WorkloadEntrySpec.class).labels()).as("the group's network wins over the VM's claim")
        .containsEntry(WellKnown.TOPOLOGY_NETWORK, "net1");
    assertThat(gw.metadata().labels()).containsEntry(WellKnown.TOPOLOGY_NETWORK, "net1");
  }
}
