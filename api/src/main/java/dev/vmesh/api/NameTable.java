package dev.vmesh.api;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * {@code NameTable} is the set of mesh hostnames a DNS proxy answers for (Istio's NDS {@code NameTable}):
 * hostname to addresses, plus what short-name expansion needs. The server's registry computes it, NDS
 * carries it, and the DNS proxy on the VM answers from it. Immutable; entries are sorted by hostname.
 */
public record NameTable(Map<String, NameInfo> table) {
  /** A table with no names. */
  public static final NameTable EMPTY = new NameTable(Map.of());

  public NameTable {
    table = Collections.unmodifiableMap(new TreeMap<>(Objects.requireNonNull(table, "table")));
  }

  /** Number of hostnames. */
  public int size() {
    return table.size();
  }

  /**
   * One hostname's entry; the fields and their meaning are those of Istio's {@code NameInfo}.
   *
   * @param ips every address of the host, IPv4 and IPv6 mixed; entries that are not IP literals are ignored
   * @param registry {@value #KUBERNETES} or {@value #EXTERNAL}; only Kubernetes hosts get short names
   * @param shortname the Kubernetes service name, for short-name expansion (empty otherwise)
   * @param namespace the Kubernetes namespace, for short-name expansion (empty otherwise)
   * @param altHosts further names answered with the same addresses (Istio's deprecated {@code alt_hosts})
   */
  public record NameInfo(List<String> ips, String registry, String shortname, String namespace, List<String> altHosts) {
    /** Registry name of Kubernetes services. */
    public static final String KUBERNETES = "Kubernetes";
    /** Registry name of ServiceEntry hosts. */
    public static final String EXTERNAL = "External";

    public NameInfo {
      ips = List.copyOf(Objects.requireNonNullElse(ips, List.of()));
      registry = Objects.requireNonNullElse(registry, "");
      shortname = Objects.requireNonNullElse(shortname, "");
      namespace = Objects.requireNonNullElse(namespace, "");
      altHosts = List.copyOf(Objects.requireNonNullElse(altHosts, List.of()));
    }

    /** An entry without alternate hosts. */
    public NameInfo(List<String> ips, String registry, String shortname, String namespace) {
      this(ips, registry, shortname, namespace, List.of());
    }

    /** A ServiceEntry host with these addresses. */
    public static NameInfo external(String... ips) {
      return new NameInfo(List.of(ips), EXTERNAL, "", "");
    }
  }
}
