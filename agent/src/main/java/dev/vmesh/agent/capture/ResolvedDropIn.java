package dev.vmesh.agent.capture;

import dev.vmesh.api.Addresses;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * {@code ResolvedDropIn} is the systemd-resolved way to reach the DNS proxy, instead of capture rules:
 * a drop-in ({@code /etc/systemd/resolved.conf.d/vmesh.conf}) that names the proxy as the DNS server
 * for the mesh's domains only ({@code Domains=~...} routing domains). Everything else keeps going to
 * the VM's usual servers, no packet is rewritten, and removing the file undoes it. The proxy then
 * forwards with resolved's own upstreams ({@code /run/systemd/resolve/resolv.conf}), never through
 * 127.0.0.53, which would loop.
 */
public final class ResolvedDropIn {
  public static final String FILE_NAME = "vmesh.conf";

  private ResolvedDropIn() {}

  /** The drop-in's text. */
  public static String text(InetSocketAddress proxy, Collection<String> domains) {
    if (domains.isEmpty()) {
      throw new IllegalArgumentException("no mesh domains to route; pass --domains (e.g. cluster.local,example.com)");
    }
    String host = Addresses.normalize(proxy.getAddress().getHostAddress());
    String server = (host.contains(":") ? "[" + host + "]" : host) + ":" + proxy.getPort();
    StringBuilder sb = new StringBuilder("# Written by 'vmesh agent resolved': mesh names go to the vmesh DNS proxy,\n"
        + "# everything else to the usual servers. Remove with 'vmesh agent resolved --remove'.\n[Resolve]\n");
    sb.append("DNS=").append(server).append('\n');
    sb.append("Domains=");
    sb.append(String.join(" ", new TreeSet<>(domains).stream().map(d -> "~" + d).toList()));
    return sb.append('\n').toString();
  }

  /**
   * The routing domains for a name table's hosts: each host without its first label
   * ({@code web.vm.example.com} gives {@code vm.example.com}), a wildcard's base ({@code *.apps.example.net}
   * gives {@code apps.example.net}), single-label hosts skipped, plus {@code clusterDomain}, minus domains
   * already covered by a shorter one.
   */
  public static List<String> domains(Collection<String> hosts, String clusterDomain) {
    TreeSet<String> all = new TreeSet<>();
    if (!clusterDomain.isEmpty()) {
      all.add(clusterDomain);
    }
    for (String h : hosts) {
      String host = h.toLowerCase(Locale.ROOT);
      if (host.startsWith("*.")) {
        all.add(host.substring(2)); // names under the wildcard's base
        continue;
      }
      int dot = host.indexOf('.');
      if (dot > 0 && host.indexOf('.', dot + 1) > 0) {
        all.add(host.substring(dot + 1));
      }
    }
    return all.stream().filter(d -> all.stream().noneMatch(o -> !o.equals(d) && d.endsWith("." + o))).toList();
  }
}
