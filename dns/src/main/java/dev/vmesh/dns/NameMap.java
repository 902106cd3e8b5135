package dev.vmesh.dns;

import java.util.Arrays;
import java.util.Map;

/**
 * {@code NameMap} is an immutable open-addressing hash map from lower-case wire-format names to
 * values, looked up straight from a byte range of a scratch buffer, so that a lookup allocates
 * nothing (a {@code HashMap} would need a key object per query). Load factor at most one half.
 */
final class NameMap<V> {
  /** Each slot's key hash, never 0; 0 marks an empty slot. Probing reads this array alone until a hash matches. */
  private final int[] hashes;
  private final byte[][] keys;
  private final Object[] values;
  private final int mask;
  private final int size;

  NameMap(Map<Key, V> entries) {
    int capacity = Integer.highestOneBit(Math.max(4, entries.size() * 2) - 1) << 1;
    hashes = new int[capacity];
    keys = new byte[capacity][];
    values = new Object[capacity];
    mask = capacity - 1;
    size = entries.size();
    entries.forEach((k, v) -> {
      int h = hash(k.bytes(), 0, k.bytes().length);
      int i = h & mask;
      while (hashes[i] != 0) {
        i = (i + 1) & mask;
      }
      hashes[i] = h;
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
    int h = hash(buf, off, len);
    for (int i = h & mask; ; i = (i + 1) & mask) {
      int slot = hashes[i];
      if (slot == 0) {
        return null;
      }
      if (slot == h) {
        byte[] k = keys[i];
        if (k.length == len && Arrays.equals(k, 0, len, buf, off, off + len)) {
          return (V) values[i];
        }
      }
    }
  }

  private static int hash(byte[] b, int off, int len) {
    int h = 0x811c9dc5; // FNV-1a
    for (int i = off; i < off + len; i++) {
      h = (h ^ (b[i] & 0xff)) * 0x01000193;
    }
    h ^= h >>> 16;
    return h != 0 ? h : 1; // 0 marks an empty slot
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
