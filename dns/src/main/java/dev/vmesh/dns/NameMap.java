package dev.vmesh.dns;

import java.util.Arrays;
import java.util.Map;

/**
 * {@code NameMap} is an immutable open-addressing hash map from lower-case wire-format names to
 * values, looked up straight from a byte range of a scratch buffer, so that a lookup allocates
 * nothing (a {@code HashMap} would need a key object per query). Load factor at most one half.
 */
final class NameMap<V> {
  private final byte[][] keys;
  private final Object[] values;
  private final int mask;
  private final int size;

  NameMap(Map<Key, V> entries) {
    int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2) - 1) << 1;
    keys = new byte[capacity][];
    values = new Object[capacity];
    mask = capacity - 1;
    size = entries.size();
    entries.forEach((k, v) -> {
      int i = hash(k.bytes(), 0, k.bytes().length) & mask;
      while (keys[i] != null) {
        i = (i + 1) & mask;
      }
      keys[i] = k.bytes();
      values[i] = v;
    });
  }

  int size() {
    return size;
  }

  /** The value for the name in {@code buf[off, off + len)}, or null. */
  @SuppressWarnings("unchecked")
  V get(byte[] buf, int off, int len) {
    for (int i = hash(buf, off, len) & mask; ; i = (i + 1) & mask) {
      byte[] k = keys[i];
      if (k == null) {
        return null;
      }
      if (k.length == len && Arrays.equals(k, 0, len, buf, off, off + len)) {
        return (V) values[i];
      }
    }
  }

  private static int hash(byte[] b, int off, int len) {
    int h = 0x811c9dc5; // FNV-1a
    for (int i = off; i < off + len; i++) {
      h = (h ^ (b[i] & 0xff)) * 0x01000193;
    }
    return h ^ (h >>> 16);
  }

  /** A map key: a wire-format name, compared by content. */
  record Key(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return Wire.toText(bytes, 0);
    }
  }
}
