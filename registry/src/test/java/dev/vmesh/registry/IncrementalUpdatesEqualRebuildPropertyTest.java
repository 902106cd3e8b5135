package dev.vmesh.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadSelector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * After any sequence of WorkloadEntry and ServiceEntry creates, updates and deletes (with allocated
 * addresses written back to status, as the server does), the incrementally maintained registry equals
 * one built from scratch from the final objects.
 */
class IncrementalUpdatesEqualRebuildPropertyTest {
  private static final List<String> NAMESPACES = List.of("ns1", "ns2");
  private static final List<String> ADDRESSES =
      List.of("10.0.0.1", "10.0.0.2", "10.0.0.3", "vm.example.com", "unix:///run/app.sock", "2001:db8::1");
  private static final List<String> HOSTS = List.of("h1.example.com", "h2.example.com", "*.wild.example.com");
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void incrementalEqualsRebuild() {
    qt().withExamples(400).withShrinkCycles(200)
        .forAll(lists().of(integers().all()).ofSizeBetween(1, 40))
        .checkAssert(ops -> {
          Map<ResourceKey, Resource> objects = new LinkedHashMap<>();
          Registry incremental = new Registry(RegistryOptions.DEFAULTS);
          for (int op : ops) {
            step(new Random(op), objects, incremental);
            writeBack(objects, incremental);
          }
          Registry rebuilt = new Registry(RegistryOptions.DEFAULTS);
          rebuilt.load(List.copyOf(objects.values()));
          assertThat(incremental.services()).as("services after %s", ops).isEqualTo(rebuilt.services());
          assertThat(incremental.nameTable()).as("name table after %s", ops).isEqualTo(rebuilt.nameTable());
          assertThat(incremental.pendingStatusUpdates()).isEmpty();
          assertThat(rebuilt.pendingStatusUpdates()).isEmpty();
        });
  }

  private static void step(Random r, Map<ResourceKey, Resource> objects, Registry reg) {
    String ns = NAMESPACES.get(r.nextInt(NAMESPACES.size()));
    switch (r.nextInt(5)) {
      case 0, 1 -> {
        Resource we = workloadEntry(r, ns);
        objects.put(we.key(), we);
        reg.upsert(we);
      }
      case 2 -> {
        ResourceKey key = new ResourceKey(Kind.WORKLOAD_ENTRY, ns, "w" + r.nextInt(6));
        objects.remove(key);
        reg.delete(key);
      }
      case 3 -> {
        Resource se = serviceEntry(r, ns);
        Resource old = objects.get(se.key());
        if (old != null) { // a spec update keeps the status, as stores do
          se = se.withStatus(old.status()).withMetadata(se.metadata().withCreationTimestamp(
              old.metadata().creationTimestamp()));
        }
        objects.put(se.key(), se);
        reg.upsert(se);
      }
      default -> {
        ResourceKey key = new ResourceKey(Kind.SERVICE_ENTRY, ns, "s" + r.nextInt(4));
        objects.remove(key);
        reg.delete(key);
      }
    }
  }

  private static void writeBack(Map<ResourceKey, Resource> objects, Registry reg) {
    for (int round = 0; round < 5 && !reg.pendingStatusUpdates().isEmpty(); round++) {
      reg.pendingStatusUpdates().forEach((key, addresses) -> {
        Resource updated = objects.get(key).withStatus(objects.get(key).status().withAddresses(addresses));
        objects.put(key, updated);
        reg.upsert(updated);
      });
    }
  }

  private static Resource workloadEntry(Random r, String ns) {
    Map<String, String> labels = new HashMap<>();
    labels.put("app", r.nextBoolean() ? "a" : "b");
    if (r.nextBoolean()) {
      labels.put("version", r.nextBoolean() ? "v1" : "v2");
    }
    String address = ADDRESSES.get(r.nextInt(ADDRESSES.size()));
    Map<String, Integer> ports = !address.startsWith("unix") && r.nextBoolean() ? Map.of("http", 8080) : Map.of();
    var spec = new WorkloadEntrySpec(address, ports, labels, r.nextBoolean() ? "" : "nw1",
        r.nextInt(3) == 0 ? "r1/z1" : "", r.nextInt(3), r.nextBoolean() ? "" : "sa");
    ObjectMeta meta = ObjectMeta.of(ns, "w" + r.nextInt(6)).withCreationTimestamp(T0);
    if (r.nextBoolean()) {
      meta = meta.withLabels(Map.of("version", "meta"));
    }
    if (r.nextBoolean()) {
      meta = meta.withAnnotations(Map.of(WellKnown.HEALTH_CHECKS_ENABLED, "true"));
    }
    ResourceStatus status = r.nextBoolean() ? ResourceStatus.EMPTY : ResourceStatus.EMPTY.withConditions(
        List.of(new Condition(Condition.HEALTHY, r.nextBoolean() ? "True" : "False", null, null, "", "", 0)));
    return Resource.of(meta, spec).withStatus(status);
  }

  private static Resource serviceEntry(Random r, String ns) {
    List<String> hosts = new ArrayList<>();
    for (String h : HOSTS) {
      if (r.nextInt(3) == 0) {
        hosts.add(h);
      }
    }
    if (hosts.isEmpty()) {
      hosts.add(HOSTS.get(r.nextInt(HOSTS.size())));
    }
    Resolution resolution = List.of(Resolution.NONE, Resolution.STATIC, Resolution.DNS, Resolution.DNS_ROUND_ROBIN)
        .get(r.nextInt(4));
    List<ServicePort> ports = new ArrayList<>(List.of(new ServicePort(80, "HTTP", "http", 0)));
    if (r.nextBoolean()) {
      ports.add(new ServicePort(81, "HTTP", "admin", 9081));
    }
    List<String> addresses = switch (r.nextInt(4)) {
      case 0 -> List.of("10.1.0." + r.nextInt(3));
      case 1 -> List.of("240.240.0." + (1 + r.nextInt(3)));
      default -> List.of();
    };
    WorkloadSelector selector = null;
    List<WorkloadEntrySpec> endpoints = List.of();
    switch (r.nextInt(4)) {
      case 0 -> selector = new WorkloadSelector(Map.of("app", r.nextBoolean() ? "a" : "b"));
      case 1 -> selector = new WorkloadSelector(r.nextBoolean() ? Map.of() : Map.of("app", "a", "version", "v1"));
      case 2 -> endpoints = List.of(WorkloadEntrySpec.of(ADDRESSES.get(r.nextInt(3)), Map.of("i", "1")),
          WorkloadEntrySpec.of(ADDRESSES.get(r.nextInt(3)), Map.of()));
      default -> { }
    }
    ObjectMeta meta = ObjectMeta.of(ns, "s" + r.nextInt(4)).withCreationTimestamp(T0.plusSeconds(r.nextInt(3)));
    if (r.nextInt(5) == 0) {
      meta = meta.withLabels(Map.of(WellKnown.ENABLE_AUTOALLOCATE_IP, "false"));
    }
    return Resource.of(meta, new ServiceEntrySpec(hosts, addresses, ports, null, resolution, endpoints, selector,
        r.nextBoolean() ? List.of() : List.of("."), List.of()));
  }
}
