package dev.vmesh.dns;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.NameTable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LookupTable} is everything the proxy answers from one name table, built once per update and
 * then only read (published by swapping a reference). For each entry it derives the names Istio's
 * agent answers for:
 *
 * <ul>
 *   <li>the hostname itself (a trailing dot is fine);
 *   <li>for Kubernetes hosts in the proxy's domain ({@code svc.<cluster domain>}):
 *       {@code short.ns.}, {@code short.ns.svc.}, and {@code short.} when {@code ns} is the proxy's own;
 *   <li>each alternate host;
 *   <li>each of those plus the first search domain, answered with a CNAME to the name (so that the
 *       first query a stub resolver sends for a short name is answered at once).
 * </ul>
 *
 * <p>Conflicts are settled deterministically: a hostname beats a derived name, equal ranks merge their
 * addresses, and an address name beats a search-domain alias. Wildcard hosts ({@code *.example.com})
 * are kept apart and matched most specific first. Names that are not valid DNS names are skipped.
 *
 * <p>Every address of a hostname (not of wildcards, derived names or aliases) also gets its reverse
 * name, answered for PTR with the hostnames that have that address (Istio forwards these upstream,
 * where a virtual IP is unknown).
 */
final class LookupTable {
  private static final Logger log = LoggerFactory.getLogger(LookupTable.class);

  private final NameMap<HostRecords> exact;
  private final NameMap<HostRecords> wildcards;
  private final NameMap<PointerRecords> reverse;
  private final NameTable source;

  private LookupTable(NameMap<HostRecords> exact, NameMap<HostRecords> wildcards, NameMap<PointerRecords> reverse,
      NameTable source) {
    this.exact = exact;
    this.wildcards = wildcards;
    this.reverse = reverse;
    this.source = source;
  }

  /**
   * Builds the table. {@code namespace} is the proxy's own (for bare short names), {@code clusterDomain}
   * e.g. {@code cluster.local}, {@code search} the resolv.conf search list (only the first is used).
   */
  static LookupTable build(NameTable table, String namespace, String clusterDomain, List<String> search) {
    String proxyDomain = "svc." + trimDot(clusterDomain.toLowerCase(Locale.ROOT));
    String search0 = search.isEmpty() ? null : trimDot(search.getFirst().toLowerCase(Locale.ROOT));
    Map<String, Addressed> addressed = new TreeMap<>();
    Map<String, String> aliases = new TreeMap<>();
    Map<String, SortedSet<String>> pointers = new TreeMap<>();
    for (Map.Entry<String, NameTable.NameInfo> e : table.table().entrySet()) {
      NameTable.NameInfo info = e.getValue();
      List<InetAddress> v4 = new ArrayList<>();
      List<InetAddress> v6 = new ArrayList<>();
      for (String ip : info.ips()) {
        if (Addresses.isIp(ip)) {
          InetAddress address = Addresses.parseIp(ip);
          (address instanceof Inet4Address ? v4 : v6).add(address);
        }
      }
      if (v4.isEmpty() && v6.isEmpty()) {
        continue;
      }
      Map<String, Integer> names = namesOf(e.getKey(), info, namespace, proxyDomain);
      String hostname = names.keySet().iterator().next(); // the entry's own name comes first
      if (!hostname.startsWith("*.")) {
        for (List<InetAddress> family : List.of(v4, v6)) {
          for (InetAddress address : family) {
            pointers.computeIfAbsent(PointerRecords.reverseName(address), r -> new TreeSet<>()).add(hostname);
          }
        }
      }
      names.forEach((name, rank) -> addressed.computeIfAbsent(name, n -> new Addressed(rank)).add(rank, v4, v6));
      if (search0 != null) {
        for (String name : names.keySet()) {
          if (!name.equals(search0 + ".") && !name.endsWith("." + search0 + ".")) {
            String expanded = name + search0 + ".";
            if (!names.containsKey(expanded)) {
              aliases.putIfAbsent(expanded, name);
            }
          }
        }
      }
    }
    Map<NameMap.Key, HostRecords> exact = new HashMap<>();
    Map<NameMap.Key, HostRecords> wildcards = new HashMap<>();
    Map<String, HostRecords> byName = new HashMap<>();
    addressed.forEach((name, a) -> {
      HostRecords records = HostRecords.addresses(a.v4, a.v6);
      if (put(name, records, exact, wildcards)) {
        byName.put(name, records);
      }
    });
    aliases.forEach((name, target) -> {
      HostRecords targetRecords = byName.get(target);
      if (!addressed.containsKey(name) && targetRecords != null) {
        put(name, HostRecords.alias(Wire.encodeName(target), targetRecords), exact, wildcards);
      }
    });
    Map<NameMap.Key, PointerRecords> reverse = new HashMap<>();
    pointers.forEach((reverseName, hostnames) -> {
      List<byte[]> targets = hostnames.stream().map(Wire::encodeName).filter(w -> w != null && w.length > 1).toList();
      if (!targets.isEmpty()) {
        reverse.put(new NameMap.Key(Wire.encodeName(reverseName)), PointerRecords.of(targets));
      }
    });
    return new LookupTable(new NameMap<>(exact), new NameMap<>(wildcards), new NameMap<>(reverse), table);
  }

  /** The names (lower case, with a final dot) an entry answers for, each with its rank (0 = hostname). */
  private static Map<String, Integer> namesOf(String host, NameTable.NameInfo info, String namespace, String proxyDomain) {
    Map<String, Integer> names = new LinkedHashMap<>();
    String h = host.toLowerCase(Locale.ROOT);
    names.put(h.endsWith(".") ? h : h + ".", 0);
    String shortname = info.shortname().toLowerCase(Locale.ROOT);
    String ns = info.namespace().toLowerCase(Locale.ROOT);
    if (NameTable.NameInfo.KUBERNETES.equals(info.registry()) && !h.endsWith(".") && !shortname.isEmpty()
        && !ns.isEmpty() && (h.equals(proxyDomain) || h.endsWith("." + proxyDomain))) {
      names.putIfAbsent(shortname + "." + ns + ".", 1);
      names.putIfAbsent(shortname + "." + ns + "." + proxyDomain.substring(0, proxyDomain.indexOf('.')) + ".", 1);
      if (ns.equals(namespace.toLowerCase(Locale.ROOT))) {
        names.putIfAbsent(shortname + ".", 1);
      }
    }
    for (String alt : info.altHosts()) {
      String a = alt.toLowerCase(Locale.ROOT);
      if (!a.isEmpty() && !a.equals(".")) {
        names.putIfAbsent(a.endsWith(".") ? a : a + ".", 1);
      }
    }
    return names;
  }

  private static boolean put(String name, HostRecords records, Map<NameMap.Key, HostRecords> exact,
      Map<NameMap.Key, HostRecords> wildcards) {
    byte[] wire = Wire.encodeName(name);
    if (wire == null || wire.length == 1) {
      log.warn("event=dns_name_skipped name={} reason=\"not a valid DNS name\"", name);
      return false;
    }
    if (name.startsWith("*.")) {
      byte[] suffix = Arrays.copyOfRange(wire, 2, wire.length);
      if (suffix.length == 1) {
        log.warn("event=dns_name_skipped name={} reason=\"a wildcard needs a domain\"", name);
        return false;
      }
      wildcards.put(new NameMap.Key(suffix), records);
    } else {
      exact.put(new NameMap.Key(wire), records);
    }
    return true;
  }

  /**
   * The records for the question in {@code q}, or null. An exact name wins; otherwise the most specific
   * wildcard, and then {@link Query#wildcardPrefix} says how many bytes of the name it replaced.
   */
  HostRecords lookup(Query q) {
    q.wildcardPrefix = -1;
    HostRecords r = exact.get(q.name, 0, q.nameLength);
    if (r != null || wildcards.size() == 0) {
      return r;
    }
    for (int l = 1; l < q.labels - 1; l++) {
      int off = q.labelStarts[l];
      r = wildcards.get(q.name, off, q.nameLength - off);
      if (r != null) {
        q.wildcardPrefix = off;
        return r;
      }
    }
    return null;
  }

  /** The PTR records for the question in {@code q} (a reverse name of an address in the table), or null. */
  PointerRecords lookupPointer(Query q) {
    return reverse.get(q.name, 0, q.nameLength);
  }

  /** The name table this was built from. */
  NameTable source() {
    return source;
  }

  /** Number of names answered (hostnames, derived names, aliases and wildcards). */
  int size() {
    return exact.size() + wildcards.size();
  }

  private static String trimDot(String s) {
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  /** Addresses collected for one name; the lowest rank that named it wins, equal ranks merge. */
  private static final class Addressed {
    int rank;
    final Set<InetAddress> v4 = new LinkedHashSet<>();
    final Set<InetAddress> v6 = new LinkedHashSet<>();

    Addressed(int rank) {
      this.rank = rank;
    }

    void add(int r, List<InetAddress> a4, List<InetAddress> a6) {
      if (r < rank) {
        rank = r;
        v4.clear();
        v6.clear();
      }
      if (r == rank) {
        v4.addAll(a4);
        v6.addAll(a6);
      }
    }
  }
}
