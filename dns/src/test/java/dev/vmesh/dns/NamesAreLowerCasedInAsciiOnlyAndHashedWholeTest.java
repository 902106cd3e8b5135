package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The word-at-a-time helpers of the query path give what their byte-at-a-time definitions give: names
 * are lower-cased in ASCII only (every byte value, at every position of a word and in the tail), and
 * the name map's hash covers every byte of the range it is given, wherever the range starts.
 */
class NamesAreLowerCasedInAsciiOnlyAndHashedWholeTest {
  @Test
  void everyByteValueIsLowerCasedAsOneByteAtATimeWouldBe() {
    for (int len = 0; len <= 24; len++) {
      for (int at = 0; at < Math.max(len, 1); at++) {
        for (int v = 0; v < 256; v++) {
          byte[] name = new byte[len + 3];
          for (int i = 0; i < name.length; i++) {
            name[i] = (byte) ('A' + i % 26); // upper-case letters around the byte under test
          }
          if (len > 0) {
            name[at] = (byte) v;
          }
          byte[] expected = name.clone();
          for (int i = 0; i < len; i++) {
            expected[i] = Wire.lower(expected[i]);
          }
          Wire.lower(name, len);
          assertThat(name).as("length %d, byte 0x%02x at %d", len, v, at).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void onlyAsciiUpperCaseLettersChange() {
    for (int v = 0; v < 256; v++) {
      byte b = (byte) v;
      byte expected = v >= 'A' && v <= 'Z' ? (byte) (v + 32) : b;
      byte[] word = {b, b, b, b, b, b, b, b, b};
      Wire.lower(word, word.length);
      for (byte got : word) {
        assertThat(got).as("0x%02x", v).isEqualTo(expected);
      }
    }
  }

  @Test
  void theHashDependsOnEveryByteAndNotOnWhereTheRangeStarts() {
    SplittableRandom random = new SplittableRandom(17);
    for (int len = 1; len <= 40; len++) {
      byte[] name = new byte[len];
      random.nextBytes(name);
      int h = NameMap.hash(name, 0, len);
      assertThat(h).isNotZero();
      byte[] shifted = new byte[len + 11];
      System.arraycopy(name, 0, shifted, 5, len);
      assertThat(NameMap.hash(shifted, 5, len)).as("same bytes at another offset").isEqualTo(h);
      for (int i = 0; i < len; i++) {
        byte[] changed = name.clone();
        changed[i] ^= 1;
        assertThat(NameMap.hash(changed, 0, len)).as("length %d, byte %d changed", len, i).isNotEqualTo(h);
      }
      assertThat(NameMap.hash(name, 0, len - 1)).as("one byte shorter").isNotEqualTo(h);
    }
  }

  @Test
  void aMapOfManySimilarNamesFindsEachAndNoOther() {
    Map<NameMap.Key, Integer> entries = new HashMap<>();
    for (int i = 0; i < 5000; i++) {
      entries.put(new NameMap.Key(Wire.encodeName("svc" + i + ".ns" + i % 20 + ".svc.cluster.local")), i);
    }
    NameMap<Integer> map = new NameMap<>(entries);
    assertThat(map.size()).isEqualTo(5000);
    entries.forEach((k, v) -> {
      byte[] padded = new byte[k.bytes().length + 7];
      System.arraycopy(k.bytes(), 0, padded, 3, k.bytes().length);
      assertThat(map.get(padded, 3, k.bytes().length)).isEqualTo(v);
    });
    byte[] missing = Wire.encodeName("svc5000.ns0.svc.cluster.local");
    assertThat(map.get(missing, 0, missing.length)).isNull();
  }
}
