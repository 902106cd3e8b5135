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

  /** One hostname's entry; fields as Istio's {@code NameTable.NameInfo}. */
  public record NameInfo(List<String> ips, String registry, String namespace, String shortname) {
    /** Registry name of ServiceEntry hosts. */
    public static final String EXTERNAL = "External";

    public NameInfo {
      ips = List.copyOf(ips);
    }
  }
}
