package dev.vmesh.dns;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

/**
 * {@code NameMap} is an immutable open-addressing hash map from lower-case wire-format names to
 * values, looked up straight from a byte range of a scratch buffer, so that a lookup allocates
 * nothing (a {@code HashMap} would need a key object per query). Load factor at most one half.
 *
 * <p>Laid out for few cache misses per lookup, which is most of its cost while the kernel's network
 * stack keeps pushing it out of the caches between queries: probing reads an array of hashes alone
 * until one matches, and a slot's key and value sit side by side in one array.
 */
final class NameMap<V> {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Each slot's key hash, never 0; 0 marks an empty slot. */
  private final int[] hashes;
  /** Slot {@code i}'s key at {@code 2i} and its value at {@code 2i + 1}. */
  private final Object[] entries;
  private final int mask;
  private final int size;

  NameMap(Map<Key, V> map) {
    int capacity = Integer.highestOneBit(Math.max(4, map.size() * 2) - 1) << 1;
    hashes = new int[capacity];
    entries = new Object[2 * capacity];
    mask = capacity - 1;
    size = map.size();
    map.forEach((k, v) -> {
      int h = hash(k.bytes(), 0, k.bytes().length);
      int i = h & mask;
      while (hashes[i] != 0) {
        i = (i + 1) & mask;
      }
      hashes[i] = h;
      entries[2 * i] = k.bytes();
      entries[2 * i + 1] = v;
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
        byte[] k = (byte[]) entries[2 * i];
        if (k.length == len && Arrays.equals(k, 0, len, buf, off, off + len)) {
          return (V) entries[2 * i + 1];
        }
      }
    }
  }

  /** A hash of {@code b[off, off + len)}, eight bytes at a time; never 0. */
  static int hash(byte[] b, int off, int len) {
    long h = len;
    int i = off;
    for (int end = off + len - 7; i < end; i += 8) {
      h = (h ^ (long) LONGS.get(b, i)) * 0x9e3779b97f4a7c15L;
      h ^= h >>> 29;
    }
    long tail = 0;
    for (int shift = 0; i < off + len; i++, shift += 8) {
      tail |= (b[i] & 0xffL) << shift;
    }
    h = (h ^ tail) * 0x9e3779b97f4a7c15L;
    int x = (int) (h ^ h >>> 32);
    return x != 0 ? x : 1; // 0 marks an empty slot
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
