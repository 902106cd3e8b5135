package dev.vmesh.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ServiceIndex} maps a string (a hostname, an endpoint address) to the keys of the services it
 * belongs to. Written by the registry's update thread, read by any (concurrent maps and sets).
 */
final class ServiceIndex {
  private final Map<String, Set<ServiceKey>> index = new ConcurrentHashMap<>();

  void add(String at, ServiceKey key) {
    index.computeIfAbsent(at, k -> ConcurrentHashMap.newKeySet()).add(key);
  }

  void remove(String at, ServiceKey key) {
    index.computeIfPresent(at, (k, set) -> {
      set.remove(key);
      return set.isEmpty() ? null : set;
    });
  }

  /** Moves {@code key} from the strings only in {@code before} to those only in {@code after}. */
  void move(ServiceKey key, Set<String> before, Set<String> after) {
    for (String a : before) {
      if (!after.contains(a)) {
        remove(a, key);
      }
    }
    for (String a : after) {
      if (!before.contains(a)) {
        add(a, key);
      }
    }
  }

  /** The keys under {@code at} (a live view; do not modify). */
  Set<ServiceKey> keys(String at) {
    return index.getOrDefault(at, Set.of());
  }

  /** The services under {@code at} that exist in {@code services}, sorted by {@code order}. */
  List<Service> services(String at, Map<ServiceKey, Service> services, Comparator<Service> order) {
    List<Service> out = new ArrayList<>();
    for (ServiceKey k : List.copyOf(keys(at))) {
      Service s = services.get(k);
      if (s != null) {
        out.add(s);
      }
    }
    out.sort(order);
    return out;
  }
}
