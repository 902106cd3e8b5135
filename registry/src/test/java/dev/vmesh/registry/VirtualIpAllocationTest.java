package dev.vmesh.registry;

import static dev.vmesh.registry.Yaml.objects;
import static dev.vmesh.registry.Yaml.registry;
import static dev.vmesh.registry.Yaml.service;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ResourceStatus.HostAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VirtualIpAllocationTest {

  static String se(String name, String ns, String hosts, String extra) {
    return """
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %s, namespace: %s}
        spec:
          hosts: %s
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: DNS
        %s
        """.formatted(name, ns, hosts, extra.indent(2));
  }

  @Test
  void hostsWithoutAddressesGetSequentialPairsFromThePools() {
    var reg = registry(se("a", "ns", "[a.example.com, b.example.com]", "") + se("c", "ns", "[c.example.com]", ""));
    assertThat(service(reg, "a.example.com", "ns").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    assertThat(service(reg, "b.example.com", "ns").addresses()).containsExactly("240.240.0.2", "2001:2::2");
    assertThat(service(reg, "c.example.com", "ns").addresses()).containsExactly("240.240.0.3", "2001:2::3");
    assertThat(service(reg, "c.example.com", "ns").autoAllocated()).isTrue();
    assertThat(reg.nameTable().table().get("a.example.com").ips()).containsExactly("240.240.0.1", "2001:2::1");
    assertThat(reg.pendingStatusUpdates().get(new ResourceKey(Kind.SERVICE_ENTRY, "ns", "a"))).containsExactly(
        new HostAddress("240.240.0.1", "a.example.com"), new HostAddress("2001:2::1", "a.example.com"),
        new HostAddress("240.240.0.2", "b.example.com"), new HostAddress("2001:2::2", "b.example.com"));
  }

  @Test
  void noAllocationForUserAddressesResolutionNoneOptOutOrWildcards() {
    var reg = registry(
        se("user", "ns", "[u.example.com]", "addresses: [10.9.9.9]")
            + se("none", "ns", "[n.example.com]", "").replace("resolution: DNS", "resolution: NONE")
            + se("wild", "ns", "['*.w.example.com']", "").replace("resolution: DNS", "resolution: STATIC")
            + se("optout", "ns", "[o.example.com]", "").replace("metadata: {name: optout, namespace: ns}",
                "metadata: {name: optout, namespace: ns, labels: {networking.istio.io/enable-autoallocate-ip: 'false'}}"));
    assertThat(service(reg, "u.example.com", "ns").addresses()).containsExactly("10.9.9.9");
    assertThat(service(reg, "u.example.com", "ns").autoAllocated()).isFalse();
    assertThat(service(reg, "n.example.com", "ns").addresses()).isEmpty();
    assertThat(service(reg, "*.w.example.com", "ns").addresses()).isEmpty();
    assertThat(service(reg, "o.example.com", "ns").addresses()).isEmpty();
    assertThat(reg.pendingStatusUpdates()).isEmpty();
  }

  @Test
  void oneHostInSeveralEntriesAndNamespacesGetsOneAddress() {
    var reg = registry(se("a", "ns1", "[shared.example.com]", "") + se("b", "ns2", "[shared.example.com]", ""));
    assertThat(service(reg, "shared.example.com", "ns1").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    assertThat(service(reg, "shared.example.com", "ns2").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    assertThat(reg.nameTable().table().get("shared.example.com").ips()).containsExactly("240.240.0.1", "2001:2::1");
  }

  @Test
  void atLoadHostsWithoutARecordedAddressAreNumberedInHostnameOrder() {
    // created c, a, b (document order), in namespaces and under names that sort differently again
    List<Resource> objs = objects(se("x", "z", "[c.example.com]", "") + se("y", "a", "[a.example.com]", "")
        + se("w", "m", "[b.example.com]", ""));
    for (List<Resource> order : List.of(objs, objs.reversed())) {
      Registry reg = new Registry(RegistryOptions.DEFAULTS);
      reg.load(order);
      assertThat(service(reg, "a.example.com", "a").addresses()).containsExactly("240.240.0.1", "2001:2::1");
      assertThat(service(reg, "b.example.com", "m").addresses()).containsExactly("240.240.0.2", "2001:2::2");
      assertThat(service(reg, "c.example.com", "z").addresses()).containsExactly("240.240.0.3", "2001:2::3");
    }
  }

  @Test
  void addressesRecordedInStatusSurviveARestartWhateverTheOrder() {
    List<Resource> first = objects(se("a", "ns", "[a.example.com]", "") + se("b", "ns", "[b.example.com]", ""));
    Registry before = new Registry(RegistryOptions.DEFAULTS);
    before.load(first);
    List<Resource> persisted = new ArrayList<>();
    for (Resource r : first) {
      persisted.add(r.withStatus(ResourceStatus.EMPTY.withAddresses(before.pendingStatusUpdates().get(r.key()))));
    }
    // after a restart: a new entry created before the others, and everything loaded in reverse order
    List<Resource> later = new ArrayList<>(objects(se("z", "ns", "[z.example.com]", "")));
    later.set(0, later.get(0).withMetadata(later.get(0).metadata().withCreationTimestamp(
        Instant.parse("2025-01-01T00:00:00Z"))));
    later.addAll(persisted.reversed());
    Registry after = new Registry(RegistryOptions.DEFAULTS);
    after.load(later);
    assertThat(service(after, "a.example.com", "ns").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    assertThat(service(after, "b.example.com", "ns").addresses()).containsExactly("240.240.0.2", "2001:2::2");
    assertThat(service(after, "z.example.com", "ns").addresses()).containsExactly("240.240.0.3", "2001:2::3");
    assertThat(after.pendingStatusUpdates()).containsOnlyKeys(new ResourceKey(Kind.SERVICE_ENTRY, "ns", "z"));
  }

  @Test
  void aUserAddressInsideThePoolMovesTheHostThatHadIt() {
    Registry reg = registry(se("a", "ns", "[a.example.com]", ""));
    assertThat(service(reg, "a.example.com", "ns").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    var changes = reg.upsert(objects(se("u", "ns", "[u.example.com]", "addresses: [240.240.0.1]")).get(0));
    assertThat(changes.services()).contains(new ServiceKey("a.example.com", "ns"));
    assertThat(service(reg, "a.example.com", "ns").addresses()).containsExactly("240.240.0.2", "2001:2::1");
    assertThat(service(reg, "u.example.com", "ns").addresses()).containsExactly("240.240.0.1");
    assertThat(reg.pendingStatusUpdates().get(new ResourceKey(Kind.SERVICE_ENTRY, "ns", "a")))
        .contains(new HostAddress("240.240.0.2", "a.example.com"));
  }

  @Test
  void aStatusClaimOnAnAddressTakenByAnotherHostIsIgnored() {
    List<Resource> objs = objects(se("a", "ns", "[a.example.com]", "") + se("b", "ns", "[b.example.com]", ""));
    List<HostAddress> same = List.of(new HostAddress("240.240.0.7", "a.example.com"));
    Resource a = objs.get(0).withStatus(ResourceStatus.EMPTY.withAddresses(same));
    Resource b = objs.get(1).withStatus(ResourceStatus.EMPTY.withAddresses(
        List.of(new HostAddress("240.240.0.7", "b.example.com"))));
    Registry reg = new Registry(RegistryOptions.DEFAULTS);
    reg.load(List.of(b, a));
    assertThat(service(reg, "a.example.com", "ns").addresses()).first().isEqualTo("240.240.0.7"); // older wins
    assertThat(service(reg, "b.example.com", "ns").addresses()).first().isEqualTo("240.240.0.1");
  }

  @Test
  void updatesKeepTheAddressAndOptingOutClearsTheStatus() {
    Registry reg = registry(se("a", "ns", "[a.example.com]", ""));
    Resource a = objects(se("a", "ns", "[a.example.com]", "")).get(0);
    reg.upsert(a.withSpec(objects(se("a", "ns", "[a.example.com]", "").replace("number: 80", "number: 8080")).get(0)
        .spec()));
    assertThat(service(reg, "a.example.com", "ns").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    Resource withStatus = a.withStatus(ResourceStatus.EMPTY.withAddresses(
        reg.pendingStatusUpdates().get(a.key())));
    reg.upsert(withStatus);
    assertThat(reg.pendingStatusUpdates()).isEmpty();
    reg.upsert(withStatus.withMetadata(withStatus.metadata().withLabels(
        Map.of("networking.istio.io/enable-autoallocate-ip", "false"))));
    assertThat(service(reg, "a.example.com", "ns").addresses()).isEmpty();
    assertThat(reg.pendingStatusUpdates().get(a.key())).isEmpty();
  }

  @Test
  void deletedHostsFreeTheirAddressButTheCursorMovesOn() {
    Registry reg = registry(se("a", "ns", "[a.example.com]", ""));
    reg.delete(new ResourceKey(Kind.SERVICE_ENTRY, "ns", "a"));
    reg.upsert(objects(se("b", "ns", "[b.example.com]", "")).get(0));
    assertThat(service(reg, "b.example.com", "ns").addresses()).containsExactly("240.240.0.2", "2001:2::2");
  }

  @Test
  void anExhaustedPoolLeavesHostsWithoutAddressesInsteadOfFailing() {
    Registry reg = new Registry(RegistryOptions.DEFAULTS.withPools("240.240.0.0/30", "2001:2::/126"));
    reg.load(objects(se("a", "ns", "[a.example.com, b.example.com, c.example.com]", "")));
    assertThat(service(reg, "a.example.com", "ns").addresses()).containsExactly("240.240.0.1", "2001:2::1");
    assertThat(service(reg, "b.example.com", "ns").addresses()).containsExactly("240.240.0.2", "2001:2::2");
    assertThat(service(reg, "c.example.com", "ns").addresses()).containsExactly("2001:2::3");
  }
}
