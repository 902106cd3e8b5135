package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ServiceState} is the mutable state behind one {@link Service}: the ServiceEntries naming the
 * host in the namespace and the endpoints each contributes, keyed by who contributed them. It builds
 * the immutable {@link Service} on demand.
 */
final class ServiceState {
  /** A ServiceEntry as the registry keeps it. */
  record Entry(ResourceKey key, Instant created, ServiceEntrySpec spec, boolean autoAllocates) {
    static final Comparator<Entry> AGE = Comparator
        .comparing((Entry e) -> e.created() == null ? Instant.MAX : e.created())
        .thenComparing(e -> e.key().name());
  }

  private final ServiceKey key;
  private final Map<ResourceKey, Entry> entries = new HashMap<>(2);
  /** Per ServiceEntry, per contributor (WorkloadEntry {@code ns/name}, or {@code #i} inline, or the host), its endpoints. */
  private final Map<ResourceKey, Map<String, List<Endpoint>>> contributions = new HashMap<>(2);

  ServiceState(ServiceKey key) {
    this.key = key;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /** The ServiceEntries naming this host in this namespace. */
  Set<ResourceKey> entryKeys() {
    return entries.keySet();
  }

  void putEntry(Entry e) {
    entries.put(e.key(), e);
    contributions.put(e.key(), new HashMap<>());
  }

  void removeEntry(ResourceKey se) {
    entries.remove(se);
    contributions.remove(se);
  }

  /** Sets what {@code contributor} gives through ServiceEntry {@code se}; returns whether anything changed. */
  boolean setEndpoints(ResourceKey se, String contributor, List<Endpoint> endpoints) {
    Map<String, List<Endpoint>> c = contributions.get(se);
    List<Endpoint> old = endpoints.isEmpty() ? c.remove(contributor) : c.put(contributor, endpoints);
    return !endpoints.equals(old == null ? List.of() : old);
  }

  /** Builds the immutable view; {@code vips} for hosts without user addresses. */
  Service build(VipAllocator.Vips vips) {
    List<Entry> byAge = new ArrayList<>(entries.values());
    byAge.sort(Entry.AGE);
    Entry oldest = byAge.get(0);
    ServiceEntrySpec first = oldest.spec();

    Set<String> addresses = new LinkedHashSet<>();
    Map<Integer, ServicePort> ports = new LinkedHashMap<>();
    Set<String> sans = new LinkedHashSet<>();
    boolean anyAutoAllocates = false;
    for (Entry e : byAge) {
      e.spec().addresses().forEach(a -> addresses.add(Addresses.normalize(a)));
      e.spec().ports().forEach(p -> ports.putIfAbsent(p.number(), p));
      sans.addAll(e.spec().subjectAltNames());
      anyAutoAllocates |= e.autoAllocates();
    }
    boolean auto = false;
    if (addresses.isEmpty() && anyAutoAllocates && vips != null) {
      if (vips.v4() != null) {
        addresses.add(vips.v4());
      }
      if (vips.v6() != null) {
        addresses.add(vips.v6());
      }
      auto = !addresses.isEmpty();
    }

    List<Endpoint> endpoints = new ArrayList<>();
    for (Entry e : byAge) {
      for (List<Endpoint> list : contributions.get(e.key()).values()) {
        endpoints.addAll(list);
      }
    }
    endpoints.sort(Endpoint.ORDER);
    // one WorkloadEntry selected by several ServiceEntries of this host gives equal endpoints: keep one
    for (int i = endpoints.size() - 1; i > 0; i--) {
      if (endpoints.get(i).equals(endpoints.get(i - 1))) {
        endpoints.remove(i);
      }
    }
    if (first.resolution() == Resolution.DNS_ROUND_ROBIN) {
      Set<Integer> ports1 = new HashSet<>();
      endpoints.removeIf(ep -> !ports1.add(ep.servicePort()));
    }
    return new Service(key.hostname(), key.namespace(), List.copyOf(addresses), auto, first.resolution(),
        first.location(), List.copyOf(ports.values()), first.exportTo(), List.copyOf(sans), endpoints,
        byAge.stream().map(e -> e.key().name()).toList());
  }
}
