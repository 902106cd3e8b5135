package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.StringValue;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A new kind of resource is one {@link ResourceType} and one entry in the server's list: the protocol
 * code admits its URL for the proxies it serves, sends it in push order, pushes what its own rule says a
 * change touches, and shows it in syncz and the config dump under its short name, with no other change
 * anywhere.
 */
class ATypeIsOneClassAndOneListEntryTest {
  static final String PORTS_URL = "type.googleapis.com/google.protobuf.StringValue";

  /** A made-up type for sidecars: per visible service, "host" holding its port numbers. */
  static class PortsType implements ResourceType {
    @Override
    public XdsType xdsType() {
      return new XdsType(PORTS_URL, "ports", false, StringValue.getDescriptor());
    }

    @Override
    public boolean serves(Proxy proxy) {
      return !proxy.proxyless();
    }

    @Override
    public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
      Set<String> out = new LinkedHashSet<>();
      mesh.visibleServices(proxy.namespace()).forEach(s -> out.add(s.hostname()));
      return out;
    }

    @Override
    public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
      Service s = mesh.service(name, proxy.namespace());
      return s == null ? null : XdsResource.of(name, StringValue.of(
          s.ports().stream().map(p -> Integer.toString(p.number())).toList().toString()));
    }

    @Override
    public void touchedBy(ServiceChange change, Set<String> names) {
      if (change.shapeChanged()) {
        change.states().forEach(s -> names.add(s.hostname()));
      }
    }
  }

  static ResourceTypes withPorts() {
    List<ResourceType> types = new ArrayList<>(ResourceTypes.ALL.all());
    types.add(new PortsType());
    return new ResourceTypes(types);
  }

  @Test
  void theNewTypeIsServedPushedAndShown() throws Exception {
    try (Harness h = new Harness(withPorts(), StateOfTheWorldProtocolTest.MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      var req = h.stub().streamAggregatedResources(rec);
      req.onNext(DiscoveryRequest.newBuilder().setTypeUrl(PORTS_URL).addResourceNames("svc1.internal.com")
          .setNode(Harness.node("envoy-1", "ns1", false)).build());
      DiscoveryResponse first = rec.next();
      assertThat(first.getResources(0).unpack(StringValue.class).getValue()).isEqualTo("[80]");
      req.onNext(DiscoveryRequest.newBuilder().setTypeUrl(PORTS_URL).addResourceNames("svc1.internal.com")
          .setResponseNonce(first.getNonce()).setVersionInfo(first.getVersionInfo()).build());

      h.upsert(StateOfTheWorldProtocolTest.MESH.substring(0, StateOfTheWorldProtocolTest.MESH.indexOf("---"))
          .replace("[{number: 80, name: http, protocol: HTTP}]",
              "[{number: 80, name: http, protocol: HTTP}, {number: 81, name: admin, protocol: HTTP}]"));
      assertThat(rec.next().getResources(0).unpack(StringValue.class).getValue()).isEqualTo("[80, 81]");
      await().atMost(Duration.ofSeconds(5)).until(() -> h.xds.syncStatus().get(0).types().containsKey("ports"));
      ConfigDump dump = h.xds.configDump(h.xds.syncStatus().get(0).connectionId()).orElseThrow();
      assertThat(dump.json(dump.types().get("ports").get(0).resource())).contains("[80, 81]");
    }
  }

  @Test
  void aProxyTheTypeDoesNotServeIsToldWhatTheServerServes() throws Exception {
    try (Harness h = new Harness(withPorts(), StateOfTheWorldProtocolTest.MESH)) {
      var rec = new Harness.Recorder<DiscoveryResponse>();
      h.stub().streamAggregatedResources(rec).onNext(DiscoveryRequest.newBuilder().setTypeUrl(PORTS_URL)
          .setNode(Harness.node("grpc-1", "ns1", true)).build());
      await().atMost(Duration.ofSeconds(5)).until(() -> rec.error != null);
      assertThat(((StatusRuntimeException) rec.error).getStatus().getDescription())
          .contains("unsupported type_url \"" + PORTS_URL + "\"")
          .contains("[" + TypeUrls.CLUSTER + ", " + TypeUrls.ENDPOINT + ", " + TypeUrls.LISTENER);
    }
  }

  @Test
  void typesSharingAUrlMustAgreeOnWhatItIs() {
    ResourceType clustersWithOtherName = new PortsType() {
      @Override
      public XdsType xdsType() {
        return new XdsType(TypeUrls.CLUSTER, "clusters", true, XdsType.CLUSTER.message());
      }
    };
    assertThatThrownBy(() -> new ResourceTypes(List.of(new SidecarClusterType(), clustersWithOtherName)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(TypeUrls.CLUSTER);
  }
}
