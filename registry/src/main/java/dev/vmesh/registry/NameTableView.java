package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.NameTable;
import dev.vmesh.api.Resolution;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code NameTableView} keeps the name table incrementally, per hostname as services change: each
 * host's entry is built from the part every namespace defining it contributes, and kept with those
 * parts, so the table as proxies of one namespace see it (only the parts visible there) is derived
 * without looking at any service. The whole table is an immutable snapshot, rebuilt only after a change.
 *
 * <p>A part's IPs are the service's addresses (user-given or auto-allocated; CIDRs dropped). A service
 * without addresses contributes its healthy endpoints' IPs only when its resolution is NONE (headless);
 * otherwise it contributes nothing and queries for it go upstream. An entry merges its parts in
 * namespace order and names the first namespace as its own.
 *
 * <p>Threading: the registry's update thread writes; any thread reads; one lock guards the state.
 */
final class NameTableView {
  /** What one namespace's service contributes to a host's entry. */
  private record Part(String namespace, List<String> exportTo, List<String> ips) {
    boolean visibleTo(String proxyNamespace) {
      return Service.isVisible(exportTo, namespace, proxyNamespace);
    }

    boolean visibleToAll() {
      return exportTo.isEmpty() || exportTo.contains("*");
    }
  }

  /** One host: its parts in namespace order, their merge, and whether some namespace may not see a part. */
  private record Host(List<Part> parts, NameTable.NameInfo merged, boolean restricted) {}

  private final Map<String, Host> hosts = new TreeMap<>();
  /** Hosts with a part not every namespace sees: only their entries differ between namespaces. */
  private int restricted;
  private NameTable snapshot = NameTable.EMPTY;
  private boolean dirty;

  /** Recomputes {@code host}'s parts from the services naming it; returns whether they changed. */
  synchronized boolean update(String host, List<Service> services) {
    List<Part> parts = new ArrayList<>();
    for (Service s : services.stream().sorted(Comparator.comparing(Service::namespace)).toList()) {
      List<String> ips = ips(s);
      if (!ips.isEmpty()) {
        parts.add(new Part(s.namespace(), s.exportTo(), ips));
      }
    }
    Host old = hosts.get(host);
    if (old == null ? parts.isEmpty() : old.parts().equals(parts)) {
      return false;
    }
    if (old != null) {
      hosts.remove(host);
      restricted -= old.restricted() ? 1 : 0;
    }
    if (!parts.isEmpty()) {
      Host h = new Host(List.copyOf(parts), merge(parts), parts.stream().anyMatch(p -> !p.visibleToAll()));
      hosts.put(host, h);
      restricted += h.restricted() ? 1 : 0;
    }
    dirty = true;
    return true;
  }

  /** The whole table: every host, every namespace's part. */
  synchronized NameTable snapshot() {
    if (dirty) {
      Map<String, NameTable.NameInfo> all = new TreeMap<>();
      hosts.forEach((name, h) -> all.put(name, h.merged()));
      snapshot = new NameTable(all);
      dirty = false;
    }
    return snapshot;
  }

  /** The table as proxies in {@code namespace} see it: only the parts of services visible there. */
  synchronized NameTable view(String namespace) {
    if (restricted == 0) {
      return snapshot();
    }
    Map<String, NameTable.NameInfo> out = new TreeMap<>();
    hosts.forEach((name, h) -> {
      if (!h.restricted()) {
        out.put(name, h.merged());
        return;
      }
      List<Part> visible = h.parts().stream().filter(p -> p.visibleTo(namespace)).toList();
      if (!visible.isEmpty()) {
        out.put(name, merge(visible));
      }
    });
    return new NameTable(out);
  }

  private static NameTable.NameInfo merge(List<Part> parts) {
    Set<String> ips = new LinkedHashSet<>();
    parts.forEach(p -> ips.addAll(p.ips()));
    return new NameTable.NameInfo(List.copyOf(ips), NameTable.NameInfo.EXTERNAL, "", parts.get(0).namespace());
  }

  private static List<String> ips(Service s) {
    List<String> addresses = s.addresses().stream().filter(Addresses::isIp).toList();
    if (!addresses.isEmpty() || !s.addresses().isEmpty() || s.resolution() != Resolution.NONE || s.ports().isEmpty()) {
      return addresses;
    }
    return s.healthyEndpoints().stream().map(Endpoint::address).filter(Addresses::isIp).distinct().toList();
  }

  /**
   * Whether a service change can change the name table: the entry depends on addresses and visibility,
   * and on endpoints only for services without addresses.
   */
  static boolean affectedBy(Service prev, Service next) {
    if (prev == null || next == null || !prev.addresses().equals(next.addresses())
        || !prev.exportTo().equals(next.exportTo())
        || prev.resolution() != next.resolution() || prev.ports().isEmpty() != next.ports().isEmpty()) {
      return true;
    }
    return next.addresses().isEmpty() && !prev.endpoints().equals(next.endpoints());
  }
}
