package dev.vmesh.registry;

import java.util.List;
import java.util.Map;

/**
 * {@code NameTable} is what the DNS proxies on VMs answer from (pushed as NDS): hostname to IPs.
 * Entries are sorted by hostname.
 */
public record NameTable(Map<String, NameInfo> table) {
  public static final NameTable EMPTY = new NameTable(Map.of());

  public NameTable {
    table = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(table));
  }

  /**
   * The table for a subset of services (say, those visible to one proxy): entries built exactly as
   * the registry's own table.
   */
  public static NameTable of(java.util.Collection<Service> services) {
    Map<String, List<Service>> byHost = new java.util.HashMap<>();
    for (Service s : services) {
      byHost.computeIfAbsent(s.hostname(), h -> new java.util.ArrayList<>()).add(s);
    }
    Map<String, NameInfo> out = new java.util.HashMap<>();
    byHost.forEach((host, list) -> {
      NameInfo e = NameTableView.entry(list);
      if (e != null) {
        out.put(host, e);
      }
    });
    return new NameTable(out);
  }

  /** One hostname's entry; fields as Istio's {@code NameTable.NameInfo}. */
  public record NameInfo(List<String> ips, String registry, String namespace, String shortname) {
    /** Registry name of ServiceEntry hosts. */
    public static final String EXTERNAL = "External";

    public NameInfo {
      ips = List.copyOf(ips);
    }
  }
}
