package dev.vmesh.api;

/**
 * {@code HostNames} compares host names that may start with a wildcard label ({@code *.example.com}, or {@code *}
 * for every host) the way Istio does, for Gateway server hosts, VirtualService hosts and SNI matches.
 */
public final class HostNames {
  private HostNames() {}

  /** True when {@code host} starts with {@code *}. */
  public static boolean isWildcard(String host) {
    return host.startsWith("*");
  }

  /**
   * True when the two sets of names overlap: equal, or one wildcard covers the other ({@code *.com} and
   * {@code *.example.com} overlap; so do {@code *.example.com} and {@code a.example.com}).
   */
  public static boolean overlap(String a, String b) {
    boolean aw = isWildcard(a);
    boolean bw = isWildcard(b);
    if (aw && bw) {
      String as = a.substring(1);
      String bs = b.substring(1);
      return as.length() < bs.length() ? bs.endsWith(as) : as.endsWith(bs);
    }
    if (aw) {
      return b.endsWith(a.substring(1));
    }
    if (bw) {
      return a.endsWith(b.substring(1));
    }
    return a.equals(b);
  }

  /** True when every name {@code host} stands for is also one {@code of} stands for. */
  public static boolean subsetOf(String host, String of) {
    if (isWildcard(of)) {
      String suffix = of.substring(1);
      return isWildcard(host) ? host.substring(1).endsWith(suffix) : host.endsWith(suffix);
    }
    return !isWildcard(host) && host.equals(of);
  }
}
