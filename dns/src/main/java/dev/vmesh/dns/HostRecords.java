package dev.vmesh.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Collection;

/**
 * {@code HostRecords} are the prebuilt answer records for one name of the lookup table. An address
 * name holds its A and AAAA records back to back, in wire format, each owned by a compression pointer
 * to the question, class IN, TTL 30 s; answering copies them (in shuffled order) after the client's
 * question. A search-domain alias holds the CNAME target and the records of the name it leads to.
 */
final class HostRecords {
  private static final byte[] NONE = new byte[0];

  final byte[] a;
  final int aCount;
  final byte[] aaaa;
  final int aaaaCount;
  /** For an alias: the target name, lower-case wire format (starting with {@code *} for a wildcard). */
  final byte[] cnameTarget;
  /** For an alias, the target's records; otherwise this. */
  final HostRecords target;

  private HostRecords(byte[] a, int aCount, byte[] aaaa, int aaaaCount, byte[] cnameTarget, HostRecords target) {
    this.a = a;
    this.aCount = aCount;
    this.aaaa = aaaa;
    this.aaaaCount = aaaaCount;
    this.cnameTarget = cnameTarget;
    this.target = target == null ? this : target;
  }

  /** Records for a name with these addresses (either collection may be empty). */
  static HostRecords addresses(Collection<InetAddress> v4, Collection<InetAddress> v6) {
    return new HostRecords(records(v4, Wire.TYPE_A, 4), v4.size(), records(v6, Wire.TYPE_AAAA, 16), v6.size(), null, null);
  }

  /** An alias (CNAME) to {@code targetName}, whose records are {@code target}. */
  static HostRecords alias(byte[] targetName, HostRecords target) {
    return new HostRecords(NONE, 0, NONE, 0, targetName, target);
  }

  boolean isAlias() {
    return cnameTarget != null;
  }

  /** True when the alias points at a wildcard name, whose {@code *} the query's labels replace. */
  boolean aliasOfWildcard() {
    return cnameTarget != null && cnameTarget.length > 2 && cnameTarget[0] == 1 && cnameTarget[1] == '*';
  }

  private static byte[] records(Collection<InetAddress> addresses, int type, int length) {
    if (addresses.isEmpty()) {
      return NONE;
    }
    int rr = 2 + 10 + length;
    byte[] out = new byte[rr * addresses.size()];
    int o = 0;
    for (InetAddress address : addresses) {
      byte[] ip = address.getAddress();
      if (ip.length != length || (length == 4) != (address instanceof Inet4Address)) {
        throw new IllegalArgumentException("address family mismatch: " + address);
      }
      o = putShort(out, o, Wire.POINTER_TO_QUESTION);
      o = putShort(out, o, type);
      o = putShort(out, o, Wire.CLASS_IN);
      o = putShort(out, o, Wire.TTL >>> 16);
      o = putShort(out, o, Wire.TTL & 0xffff);
      o = putShort(out, o, length);
      System.arraycopy(ip, 0, out, o, length);
      o += length;
    }
    return out;
  }

  private static int putShort(byte[] b, int o, int v) {
    b[o] = (byte) (v >>> 8);
    b[o + 1] = (byte) v;
    return o + 2;
  }
}
