package dev.vmesh.registry;

import com.google.common.net.InetAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code VipAllocator} gives each hostname that needs one a virtual IPv4 and IPv6 address from the
 * pools, sequentially from the first address after the network address. Unlike Istio, one hostname
 * gets one pair however many ServiceEntries (in whatever namespaces) name it (istio/istio#53676).
 *
 * <p>Addresses already written to ServiceEntry status are claimed again on start, so they are stable
 * across restarts. An address that a user wrote into some ServiceEntry's {@code spec.addresses} is
 * never handed out, and a host holding one is moved to a new address. A host's addresses are freed
 * when no ServiceEntry needs them any more; the cursor moves on so freed addresses are not reused
 * until the pool wraps.
 */
final class VipAllocator {
  /** A host's pair; either may be null when its pool is exhausted. */
  record Vips(String v4, String v6) {}

  private final Pool v4;
  private final Pool v6;
  private final Map<String, Vips> byHost = new HashMap<>();
  private final Map<String, Set<Object>> holders = new HashMap<>();
  /** User-given addresses inside the pools, with how many ServiceEntries give each. */
  private final Map<String, Integer> userAddresses = new HashMap<>();

  VipAllocator(String v4Prefix, String v6Prefix) {
    this.v4 = new Pool(v4Prefix);
    this.v6 = new Pool(v6Prefix);
  }

  /**
   * Claims the addresses {@code entries} recorded in their status before any new one is handed out; hosts
   * without a recorded address then get one in hostname order, not in the order the store lists objects or
   * the order they were created: the same files give the same addresses offline (vmesh registry) and at a
   * server's first start, whatever the store.
   */
  void claimRecorded(List<ServiceEntryRecord> entries) {
    for (ServiceEntryRecord e : entries) {
      addUserAddresses(e.userIps());
    }
    for (ServiceEntryRecord e : entries) {
      for (String host : e.allocatedHosts()) {
        claim(e.key(), host, e.claimed(host));
      }
    }
    Map<String, ServiceEntryRecord> firstHolder = new TreeMap<>();
    for (ServiceEntryRecord e : entries) {
      for (String host : e.allocatedHosts()) {
        firstHolder.putIfAbsent(host, e);
      }
    }
    firstHolder.forEach((host, e) -> hold(e.key(), host));
  }
  Vips get(String host) {
    return byHost.get(host);
  }

  /**
   * Records that {@code holder} needs addresses for {@code host} and, where the host has none yet, takes
   * those of {@code claimed} (addresses its status lists) that are in the pools, free and not given by
   * a user. Allocates nothing new: see {@link #hold}.
   */
  void claim(Object holder, String host, List<String> claimed) {
    holders.computeIfAbsent(host, h -> new LinkedHashSet<>()).add(holder);
    Vips current = byHost.getOrDefault(host, new Vips(null, null));
    String a4 = current.v4();
    String a6 = current.v6();
    for (String c : claimed) {
      if (a4 == null && v4.canClaim(c) && !userAddresses.containsKey(v4.canonical(c))) {
        a4 = v4.claim(c, host);
      } else if (a6 == null && v6.canClaim(c) && !userAddresses.containsKey(v6.canonical(c))) {
        a6 = v6.claim(c, host);
      }
    }
    byHost.put(host, new Vips(a4, a6));
  }

  /** Records that {@code holder} needs addresses for {@code host}, allocating whichever it lacks. */
  void hold(Object holder, String host) {
    holders.computeIfAbsent(host, h -> new LinkedHashSet<>()).add(holder);
    Vips current = byHost.getOrDefault(host, new Vips(null, null));
    if (current.v4() != null && current.v6() != null) {
      return;
    }
    byHost.put(host, new Vips(current.v4() != null ? current.v4() : v4.next(host, userAddresses),
        current.v6() != null ? current.v6() : v6.next(host, userAddresses)));
  }

  /** {@code holder} no longer needs {@code host}; frees its addresses when nobody does. */
  void release(Object holder, String host) {
    Set<Object> h = holders.get(host);
    if (h == null || !h.remove(holder) || !h.isEmpty()) {
      return;
    }
    holders.remove(host);
    Vips vips = byHost.remove(host);
    if (vips != null) {
      v4.free(vips.v4());
      v6.free(vips.v6());
    }
  }

  /**
   * Records user-given addresses; returns the hosts that had to move because they held one of them.
   */
  Set<String> addUserAddresses(List<String> addresses) {
    Set<String> moved = new HashSet<>();
    for (String a : addresses) {
      Pool pool = v4.contains(a) ? v4 : v6.contains(a) ? v6 : null;
      if (pool == null) {
        continue;
      }
      String canonical = pool.canonical(a);
      userAddresses.merge(canonical, 1, Integer::sum);
      String holder = pool.holderOf(canonical);
      if (holder != null) {
        Vips old = byHost.get(holder);
        pool.free(canonical);
        String fresh = pool.next(holder, userAddresses);
        byHost.put(holder, pool == v4 ? new Vips(fresh, old.v6()) : new Vips(old.v4(), fresh));
        moved.add(holder);
      }
    }
    return moved;
  }

  void removeUserAddresses(List<String> addresses) {
    for (String a : addresses) {
      Pool pool = v4.contains(a) ? v4 : v6.contains(a) ? v6 : null;
      if (pool != null) {
        userAddresses.computeIfPresent(pool.canonical(a), (k, n) -> n == 1 ? null : n - 1);
      }
    }
  }

  /** One address pool: a prefix, which addresses are taken by which host, and the allocation cursor. */
  private static final class Pool {
    private final BigInteger network;
    private final int bits;
    private final boolean ipv4;
    /** Usable offsets are 1..size (offset 0 is the network address; IPv4 also skips broadcast). */
    private final long size;
    private final Map<String, String> taken = new HashMap<>();
    private long cursor = 1;

    Pool(String prefix) {
      int slash = prefix.indexOf('/');
      InetAddress net = InetAddresses.forString(prefix.substring(0, slash));
      this.ipv4 = net.getAddress().length == 4;
      this.bits = (ipv4 ? 32 : 128) - Integer.parseInt(prefix.substring(slash + 1));
      this.network = new BigInteger(1, net.getAddress()).shiftRight(bits).shiftLeft(bits);
      long all = bits >= 62 ? Long.MAX_VALUE / 2 : (1L << bits);
      this.size = ipv4 ? all - 2 : all - 1;
    }

    boolean contains(String address) {
      if (!InetAddresses.isInetAddress(address)) {
        return false;
      }
      byte[] b = InetAddresses.forString(address).getAddress();
      if ((b.length == 4) != ipv4) {
        return false;
      }
      return new BigInteger(1, b).shiftRight(bits).shiftLeft(bits).equals(network);
    }

    String canonical(String address) {
      return InetAddresses.toAddrString(InetAddresses.forString(address));
    }

    boolean canClaim(String address) {
      if (!contains(address)) {
        return false;
      }
      BigInteger offset = new BigInteger(1, InetAddresses.forString(address).getAddress()).subtract(network);
      return offset.signum() > 0 && offset.compareTo(BigInteger.valueOf(size)) <= 0
          && !taken.containsKey(canonical(address));
    }

    String claim(String address, String host) {
      String c = canonical(address);
      taken.put(c, host);
      return c;
    }

    String holderOf(String canonical) {
      return taken.get(canonical);
    }

    void free(String address) {
      if (address != null) {
        taken.remove(address);
      }
    }

    /** The next free address at or after the cursor, wrapping once; null when the pool is full. */
    String next(String host, Map<String, Integer> reserved) {
      long checked = 0;
      long limit = Math.min(size, taken.size() + reserved.size() + 1L);
      while (checked <= limit) {
        if (cursor > size) {
          cursor = 1;
        }
        String candidate = address(cursor++);
        checked++;
        if (!taken.containsKey(candidate) && !reserved.containsKey(candidate)) {
          taken.put(candidate, host);
          return candidate;
        }
      }
      return null;
    }

    private String address(long offset) {
      byte[] raw = network.add(BigInteger.valueOf(offset)).toByteArray();
      byte[] out = new byte[ipv4 ? 4 : 16];
      int copy = Math.min(raw.length, out.length);
      System.arraycopy(raw, raw.length - copy, out, out.length - copy, copy);
      try {
        return InetAddresses.toAddrString(InetAddress.getByAddress(out));
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
