package dev.vmesh.dns;

/**
 * Test helper: a second, deliberately simple check that a reply is a well-formed DNS message (every
 * section walks to exactly the end; names within 255 bytes; pointers only backwards). Used next to
 * Netty's decoder, which rejects legal but non-ASCII label bytes that fuzzed questions contain.
 */
final class WireCheck {
  private WireCheck() {}

  static boolean wellFormed(byte[] m) {
    if (m.length < 12) {
      return false;
    }
    int pos = 12;
    int[] counts = {u16(m, 4), u16(m, 6), u16(m, 8), u16(m, 10)};
    for (int i = 0; i < counts[0]; i++) {
      pos = name(m, pos);
      if (pos < 0 || pos + 4 > m.length) {
        return false;
      }
      pos += 4;
    }
    for (int i = 0; i < counts[1] + counts[2] + counts[3]; i++) {
      pos = name(m, pos);
      if (pos < 0 || pos + 10 > m.length) {
        return false;
      }
      pos += 10 + u16(m, pos + 8);
      if (pos > m.length) {
        return false;
      }
    }
    return pos == m.length;
  }

  /** True when every label byte in the message's names is printable ASCII (Netty's codec wants that). */
  static boolean asciiNames(byte[] m) {
    int end = 12;
    while (end < m.length && m[end] != 0) {
      int len = m[end] & 0xff;
      if (len >= 0x40) {
        return true;
      }
      for (int i = end + 1; i <= end + len && i < m.length; i++) {
        if (m[i] < 0x21 || m[i] > 0x7e || m[i] == '.') {
          return false;
        }
      }
      end += 1 + len;
    }
    return true;
  }

  private static int name(byte[] m, int pos) {
    int total = 0;
    int after = -1;
    int limit = pos;
    for (int hops = 0; hops < 128; hops++) {
      if (pos >= m.length) {
        return -1;
      }
      int len = m[pos] & 0xff;
      if ((len & 0xc0) == 0xc0) {
        if (pos + 1 >= m.length) {
          return -1;
        }
        int target = ((len & 0x3f) << 8) | (m[pos + 1] & 0xff);
        if (target >= limit) {
          return -1;
        }
        if (after < 0) {
          after = pos + 2;
        }
        limit = target;
        pos = target;
        continue;
      }
      if (len > 63) {
        return -1;
      }
      total += len + 1;
      if (total > 255) {
        return -1;
      }
      pos += len + 1;
      if (len == 0) {
        return after >= 0 ? after : pos;
      }
    }
    return -1;
  }

  private static int u16(byte[] m, int i) {
    return ((m[i] & 0xff) << 8) | (m[i + 1] & 0xff);
  }
}
