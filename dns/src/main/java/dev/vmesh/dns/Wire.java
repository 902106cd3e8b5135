package dev.vmesh.dns;

import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * DNS wire-format constants (RFC 1035 section 4.1, RFC 6891 for EDNS) used by the parser and the
 * writers; type and code numbers come from Netty's codec. {@link #encodeName} is hand-written because
 * table names must be validated and lower-cased into plain byte arrays (the lookup keys), which
 * Netty's record encoder, writing into a buffer per record, does not do.
 */
final class Wire {
  private Wire() {}

  static final int HEADER = 12;
  static final int MAX_NAME = 255;
  static final int MAX_LABEL = 63;
  /** Largest UDP reply to a client that did not advertise a size with EDNS. */
  static final int UDP_DEFAULT = 512;
  /** Largest message at all (TCP's two-byte length). */
  static final int MAX_MESSAGE = 65535;

  // Bits of the 16-bit flags word (the header's second field).
  static final int QR = 0x8000;
  static final int OPCODE = 0x7800;
  static final int AA = 0x0400;
  static final int TC = 0x0200;
  static final int RD = 0x0100;
  static final int RA = 0x0080;
  static final int CD = 0x0010;
  static final int RCODE = 0x000f;

  static final int OPCODE_QUERY = DnsOpCode.QUERY.byteValue();
  static final int TYPE_A = DnsRecordType.A.intValue();
  static final int TYPE_AAAA = DnsRecordType.AAAA.intValue();
  static final int TYPE_CNAME = DnsRecordType.CNAME.intValue();
  static final int TYPE_PTR = DnsRecordType.PTR.intValue();
  static final int TYPE_OPT = DnsRecordType.OPT.intValue();
  static final int CLASS_IN = 1;

  static final int NOERROR = DnsResponseCode.NOERROR.intValue();
  static final int FORMERR = DnsResponseCode.FORMERR.intValue();
  static final int SERVFAIL = DnsResponseCode.SERVFAIL.intValue();
  static final int NOTIMP = DnsResponseCode.NOTIMP.intValue();
  static final int REFUSED = DnsResponseCode.REFUSED.intValue();
  static final int BADVERS = DnsResponseCode.BADVERS_OR_BADSIG.intValue();

  /** TTL of every answer from the table (Istio's 30 s). */
  static final int TTL = 30;
  /** Size of an OPT record without options: root name, type, class, TTL, RDLENGTH. */
  static final int OPT_LENGTH = 11;
  /** Size of an A record whose owner is a compression pointer. */
  static final int A_RR_LENGTH = 2 + 10 + 4;
  /** Size of an AAAA record whose owner is a compression pointer. */
  static final int AAAA_RR_LENGTH = 2 + 10 + 16;
  /** Compression pointer to the question name, which always starts right after the header. */
  static final int POINTER_TO_QUESTION = 0xc000 | HEADER;

  /**
   * The lower-case wire form of a dotted name ({@code "a.b."} or {@code "a.b"}), or null when it is
   * not a valid DNS name (empty label, label over 63 bytes, name over 255 bytes, non-ASCII).
   */
  static byte[] encodeName(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (n.isEmpty()) {
      return new byte[] {0};
    }
    byte[] ascii = n.getBytes(StandardCharsets.US_ASCII);
    if (ascii.length + 2 > MAX_NAME || !StandardCharsets.US_ASCII.newEncoder().canEncode(n)) {
      return null;
    }
    byte[] out = new byte[ascii.length + 2];
    int labelStart = 0;
    int o = 0;
    for (int i = 0; i <= ascii.length; i++) {
      if (i == ascii.length || ascii[i] == '.') {
        int len = i - labelStart;
        if (len == 0 || len > MAX_LABEL) {
          return null;
        }
        out[o++] = (byte) len;
        for (int j = labelStart; j < i; j++) {
          out[o++] = lower(ascii[j]);
        }
        labelStart = i + 1;
      }
    }
    out[o] = 0;
    return out;
  }

  /** ASCII lower case; other bytes unchanged (DNS compares names case-insensitively in ASCII only). */
  static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
  }

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGH_BITS = 0x8080808080808080L;

  /**
   * {@link #lower(byte)} on {@code b[0, len)} in place, eight bytes at a time: per byte, adding 0x3f to
   * its low seven bits sets the high bit from 'A' up and adding 0x25 from past 'Z' up (no carry leaves a
   * byte); a byte with its own high bit set is not ASCII and stays. The upper-case ones get 0x20 added.
   */
  static void lower(byte[] b, int len) {
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      long x = (long) LONGS.get(b, i);
      long low7 = x & ~HIGH_BITS;
      long upper = (low7 + 0x3f3f3f3f3f3f3f3fL) & ~(low7 + 0x2525252525252525L) & ~x & HIGH_BITS;
      if (upper != 0) {
        LONGS.set(b, i, x | upper >>> 2);
      }
    }
    for (; i < len; i++) {
      b[i] = lower(b[i]);
    }
  }

  /** A wire-format name (no compression) starting at {@code off}, as dotted text with a final dot. */
  static String toText(byte[] wire, int off) {
    StringBuilder sb = new StringBuilder();
    int i = off;
    while (i < wire.length && wire[i] != 0) {
      int len = wire[i] & 0xff;
      sb.append(new String(wire, i + 1, Math.min(len, wire.length - i - 1), StandardCharsets.ISO_8859_1)).append('.');
      i += 1 + len;
    }
    return sb.isEmpty() ? "." : sb.toString();
  }
}
