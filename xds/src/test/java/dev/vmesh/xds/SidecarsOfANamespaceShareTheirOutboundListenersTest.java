package dev.vmesh.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.registry.ServiceChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A new sidecar's outbound listeners (one per service port or address: a thousand in a big mesh) are
 * those every sidecar of its namespace already got, so they come from the cache; only its
 * {@code virtualInbound} is its own. A workload coming or going somewhere makes only the inbound
 * listeners stale; a service's new shape makes them all stale.
 */
class SidecarsOfANamespaceShareTheirOutboundListenersTest {
  private final Registry registry = new Registry(RegistryOptions.DEFAULTS);
  private final MeshView mesh = new MeshView(() -> registry);
  private final Counting listeners = new Counting(new SidecarListenerType());
  private final ResourceCache cache = new ResourceCache();

  private static final Proxy A = sidecar("10.0.0.5");
  private static final Proxy B = sidecar("10.0.0.6");
  private static final Proxy ELSEWHERE = new Proxy("x", "sidecar", List.of("10.9.9.9"), "ns2", Map.of(), "", "", false,
      "", "", "", Struct.getDefaultInstance(), "");

  SidecarsOfANamespaceShareTheirOutboundListenersTest() {
    registry.load(objects(WhatAServiceChangeTouchesTest.MESH));
  }

  private static Proxy sidecar(String ip) {
    return new Proxy("sidecar~" + ip + "~vm.ns1~ns1.svc.cluster.local", "sidecar", List.of(ip), "ns1", Map.of(), "",
        "", false, "", "", "", Struct.getDefaultInstance(), "");
  }

  private static List<Resource> objects(String yaml) {
    var r = ResourceDecoder.decode("test.yaml", yaml);
    assertThat(r.problems()).isEmpty();
    return r.resources();
  }

  private XdsResource get(Proxy p, String name) {
    return cache.get(listeners, p, name, mesh);
  }

  private void apply(String yaml) {
    Registry.Changes changes = registry.upsert(objects(yaml).get(0));
    cache.invalidate(ChangeSet.compute(new ResourceTypes(List.of(listeners)), changes.changes().values(),
        changes.nameTable(), 0), List.of(listeners));
  }

  @Test
  void theSecondSidecarOfANamespaceGetsTheFirstOnesOutboundListenersAndItsOwnInbound() {
    assertThat(listeners.wildcardNames(A, mesh)).contains("0.0.0.0_80", "virtualInbound", "virtualOutbound");
    XdsResource web = get(A, "0.0.0.0_80");
    XdsResource inboundA = get(A, "virtualInbound");
    get(A, "virtualOutbound");

    assertThat(get(B, "0.0.0.0_80")).isSameAs(web);
    get(B, "virtualOutbound");
    XdsResource inboundB = get(B, "virtualInbound");

    assertThat(listeners.generated).containsExactly("0.0.0.0_80", "virtualInbound", "virtualOutbound",
        "virtualInbound");
    assertThat(inboundB).isNotSameAs(inboundA);
    assertThat(get(ELSEWHERE, "virtualOutbound")).isNotNull();
    assertThat(listeners.generated).hasSize(5); // another namespace: its own copy
  }

  @Test
  void aWorkloadMovingMakesOnlyTheInboundListenersStale() {
    XdsResource web = get(A, "0.0.0.0_80");
    get(A, "virtualInbound");
    get(B, "virtualInbound");
    listeners.generated.clear();

    apply("""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: web1, namespace: ns1}
        spec: {address: 10.0.0.6, labels: {app: web}}
        """);

    assertThat(get(A, "0.0.0.0_80")).isSameAs(web);
    get(A, "virtualInbound");
    get(B, "virtualInbound");
    assertThat(listeners.generated).containsExactly("virtualInbound", "virtualInbound");
  }

  @Test
  void aServicesNewShapeMakesEveryListenerStale() {
    XdsResource web = get(A, "0.0.0.0_80");
    listeners.generated.clear();

    apply(WhatAServiceChangeTouchesTest.MESH.replace("[{number: 80, name: http, protocol: HTTP}]",
        "[{number: 80, name: http, protocol: HTTP}, {number: 81, name: admin, protocol: HTTP}]"));

    assertThat(get(B, "0.0.0.0_80")).isNotSameAs(web);
    assertThat(get(B, "0.0.0.0_81")).isNotNull();
    assertThat(listeners.generated).containsExactly("0.0.0.0_80", "0.0.0.0_81");
  }

  /** A type that records what it generates. */
  private static final class Counting implements ResourceType {
    final SidecarListenerType type;
    final List<String> generated = new ArrayList<>();

    Counting(SidecarListenerType type) {
      this.type = type;
    }

    @Override
    public XdsType xdsType() {
      return type.xdsType();
    }

    @Override
    public boolean serves(Proxy proxy) {
      return type.serves(proxy);
    }

    @Override
    public Set<String> wildcardNames(Proxy proxy, MeshView mesh) {
      return type.wildcardNames(proxy, mesh);
    }

    @Override
    public XdsResource generate(Proxy proxy, String name, MeshView mesh) {
      generated.add(name);
      return type.generate(proxy, name, mesh);
    }

    @Override
    public String cacheVariant(Proxy proxy, String name) {
      return type.cacheVariant(proxy, name);
    }

    @Override
    public void touchedBy(ServiceChange change, Set<String> names) {
      type.touchedBy(change, names);
    }

    @Override
    public boolean affects(PushRequest request, Proxy proxy) {
      return type.affects(request, proxy);
    }

    @Override
    public boolean staleAll(PushRequest request) {
      return type.staleAll(request);
    }

    @Override
    public Set<String> staleNames(PushRequest request) {
      return type.staleNames(request);
    }
  }
}
