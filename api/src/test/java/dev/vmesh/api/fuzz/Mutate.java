package dev.vmesh.api.fuzz;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutations of valid inputs, the way coverage-blind fuzzers make them: a few edits per input, each one
 * of flipping a bit, replacing, inserting or deleting a stretch, duplicating a stretch, truncating, or
 * splicing in a token from the target's dictionary (its keywords and troublesome values).
 */
public final class Mutate {
  private Mutate() {}

  /** {@code text} with 1 to {@code maxEdits} edits. */
  public static String text(Random r, String text, List<String> dictionary, int maxEdits) {
    StringBuilder s = new StringBuilder(text);
    int edits = 1 + r.nextInt(maxEdits);
    for (int e = 0; e < edits; e++) {
      int at = s.isEmpty() ? 0 : r.nextInt(s.length() + 1);
      switch (r.nextInt(8)) {
        case 0 -> { // one character replaced
          if (at < s.length()) {
            s.setCharAt(at, (char) (r.nextInt(4) == 0 ? r.nextInt(0x3000) : 32 + r.nextInt(95)));
          }
        }
        case 1 -> { // a stretch deleted
          int end = Math.min(s.length(), at + 1 + r.nextInt(16));
          s.delete(Math.min(at, end), end);
        }
        case 2 -> { // a stretch repeated in place
          int end = Math.min(s.length(), at + 1 + r.nextInt(32));
          String piece = s.substring(Math.min(at, end), end);
          s.insert(Math.min(at, end), piece.repeat(1 + r.nextInt(3)));
        }
        case 3 -> s.setLength(at); // truncated
        case 4 -> { // a line moved elsewhere (reorders, re-indents)
          int nl = s.indexOf("\n", at);
          int start = s.lastIndexOf("\n", Math.max(0, at - 1)) + 1;
          if (nl > start) {
            String line = s.substring(start, nl + 1);
            s.delete(start, nl + 1);
            s.insert(s.isEmpty() ? 0 : r.nextInt(s.length() + 1), line);
          }
        }
        case 5 -> s.insert(at, " ".repeat(r.nextInt(4)) + (r.nextBoolean() ? "\n" : "")); // whitespace
        default -> s.insert(at, dictionary.get(r.nextInt(dictionary.size()))); // a dictionary token
      }
    }
    return s.toString();
  }

  /** {@code bytes} (not changed) with 1 to {@code maxEdits} edits. */
  public static byte[] bytes(Random r, byte[] bytes, int maxEdits) {
    byte[] b = bytes.clone();
    int edits = 1 + r.nextInt(maxEdits);
    for (int e = 0; e < edits; e++) {
      switch (r.nextInt(6)) {
        case 0 -> {
          if (b.length > 0) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> {
          if (b.length > 0) {
            b[r.nextInt(b.length)] = (byte) INTERESTING[r.nextInt(INTERESTING.length)];
          }
        }
        case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncated
        case 3 -> { // random bytes inserted
          byte[] extra = new byte[1 + r.nextInt(16)];
          r.nextBytes(extra);
          int at = r.nextInt(b.length + 1);
          byte[] n = new byte[b.length + extra.length];
          System.arraycopy(b, 0, n, 0, at);
          System.arraycopy(extra, 0, n, at, extra.length);
          System.arraycopy(b, at, n, at + extra.length, b.length - at);
          b = n;
        }
        case 4 -> { // a stretch deleted
          if (b.length > 0) {
            int at = r.nextInt(b.length);
            int end = Math.min(b.length, at + 1 + r.nextInt(16));
            byte[] n = new byte[b.length - (end - at)];
            System.arraycopy(b, 0, n, 0, at);
            System.arraycopy(b, end, n, at, b.length - end);
            b = n;
          }
        }
        default -> { // a stretch overwritten with random bytes
          if (b.length > 0) {
            int at = r.nextInt(b.length);
            for (int i = at; i < Math.min(b.length, at + 1 + r.nextInt(8)); i++) {
              b[i] = (byte) r.nextInt(256);
            }
          }
        }
      }
    }
    return b;
  }

  /** Byte values that sit on boundaries (lengths, signs, varint continuation, tags). */
  private static final int[] INTERESTING = {0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x40, 0x20, 0x0a, 0x12, 0x1a, 0x22};

  /** One of {@code options}. */
  @SafeVarargs
  public static <T> T oneOf(Random r, T... options) {
    return options[r.nextInt(options.length)];
  }
}
