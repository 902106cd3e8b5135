package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.Resolution;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code NameTableView} keeps the name table's entries, updated per hostname as services change, and
 * hands out an immutable {@link NameTable} snapshot, rebuilt only after a change.
 *
 * <p>An entry's IPs are the services' addresses (user-given or auto-allocated; CIDRs dropped), merged
 * over every namespace defining the host. A service without addresses is listed by its endpoints'
 * IPs only when its resolution is NONE (headless); otherwise it is left out and queries for it go
 * upstream.
 */
final class NameTableView {
  private final Map<String, NameTable.NameInfo> entries = new TreeMap<>();
  private NameTable snapshot = NameTable.EMPTY;
  private boolean dirty;

  /** Recomputes {@code host}'s entry from the services naming it; returns whether it changed. */
  synchronized boolean update(String host, List<Service> services) {
    NameTable.NameInfo next = entry(services);
    NameTable.NameInfo prev = next == null ? entries.remove(host) : entries.put(host, next);
    boolean changed = !java.util.Objects.equals(prev, next);
    dirty |= changed;
    return changed;
  }

  synchronized NameTable snapshot() {
    if (dirty) {
      snapshot = new NameTable(entries);
      dirty = false;
    }
    return snapshot;
  }

  /**
   * The entry for one hostname given the services naming it (any namespaces), or null when it has no
   * IPs. Also used to build per-proxy tables from the services a proxy can see.
   */
  static NameTable.NameInfo entry(List<Service> services) {
    Set<String> ips = new LinkedHashSet<>();
    String namespace = null;
    List<Service> sorted = services.stream().sorted(Comparator.comparing(Service::namespace)).toList();
    for (Service s : sorted) {
      int before = ips.size();
      List<String> addresses = s.addresses().stream().filter(Addresses::isIp).toList();
      if (!addresses.isEmpty()) {
        ips.addAll(addresses);
      } else if (s.addresses().isEmpty() && s.resolution() == Resolution.NONE && !s.ports().isEmpty()) {
        s.healthyEndpoints().stream().map(Endpoint::address).filter(Addresses::isIp).forEach(ips::add);
      }
      if (namespace == null && ips.size() > before) {
        namespace = s.namespace();
      }
    }
    return ips.isEmpty() ? null : new NameTable.NameInfo(List.copyOf(ips), NameTable.NameInfo.EXTERNAL, namespace, "");
  }
}
