package dev.vmesh.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Collection;

/**
 * {@code PointerRecords} are the prebuilt PTR answer records for the reverse name of one address in the
 * table ({@code d.c.b.a.in-addr.arpa.}, or the 32 nibbles of an IPv6 address under {@code ip6.arpa.}):
 * one record per hostname that has the address, in name order, each owned by a compression pointer to
 * the question, class IN, TTL 30 s. A reverse lookup of a virtual IP thus names its service.
 */
final class PointerRecords {
  /** The records back to back, wire format. */
  final byte[] rrs;
  /** Where each record ends in {@link #rrs}. */
  final int[] ends;

  private PointerRecords(byte[] rrs, int[] ends) {
    this.rrs = rrs;
    this.ends = ends;
  }

  /** Records for these hostnames, each already valid wire format (lower case, ending in the root). */
  static PointerRecords of(Collection<byte[]> hostnames) {
    int size = 0;
    for (byte[] h : hostnames) {
      size += 12 + h.length;
    }
    byte[] out = new byte[size];
    int[] ends = new int[hostnames.size()];
    int o = 0;
    int i = 0;
    for (byte[] h : hostnames) {
      o = put(out, o, Wire.POINTER_TO_QUESTION);
      o = put(out, o, Wire.TYPE_PTR);
      o = put(out, o, Wire.CLASS_IN);
      o = put(out, o, Wire.TTL >>> 16);
      o = put(out, o, Wire.TTL & 0xffff);
      o = put(out, o, h.length);
      System.arraycopy(h, 0, out, o, h.length);
      o += h.length;
      ends[i++] = o;
    }
    return new PointerRecords(out, ends);
  }

  int count() {
    return ends.length;
  }

  /** The reverse-lookup name of {@code address}, dotted, with the final dot. */
  static String reverseName(InetAddress address) {
    byte[] ip = address.getAddress();
    StringBuilder sb = new StringBuilder(address instanceof Inet4Address ? 30 : 74);
    for (int i = ip.length - 1; i >= 0; i--) {
      int b = ip[i] & 0xff;
      if (ip.length == 4) {
        sb.append(b).append('.');
      } else {
        sb.append(Character.forDigit(b & 0xf, 16)).append('.').append(Character.forDigit(b >>> 4, 16)).append('.');
      }
    }
    return sb.append(ip.length == 4 ? "in-addr.arpa." : "ip6.arpa.").toString();
  }

  private static int put(byte[] b, int o, int v) {
    b[o] = (byte) (v >>> 8);
    b[o + 1] = (byte) v;
    return o + 2;
  }
}
