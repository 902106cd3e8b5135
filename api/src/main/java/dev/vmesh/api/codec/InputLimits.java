package dev.vmesh.api.codec;

import java.util.Locale;

/**
 * {@code InputLimits} are the bounds vmesh puts on configuration input (files under {@code --config},
 * {@code vmesh validate}, admin API bodies, stored records), so that a broken or hostile file is
 * refused with a clear error instead of exhausting the stack, memory or time of the process reading it.
 * docs/security.md lists them.
 */
public final class InputLimits {
  /** Deepest nesting of maps and lists in one document; Istio objects need about 8. */
  public static final int MAX_DEPTH = 64;
  /**
   * Longest single value (a string, a number, a map key), in characters: 256 KiB, which is what
   * Kubernetes allows for all annotations of one object together.
   */
  public static final int MAX_VALUE_CHARS = 256 * 1024;
  /**
   * Largest config file read from a directory or by {@code vmesh validate}, in bytes: 8 MiB, as for an
   * admin API request body. Such a file holds some 37,000 WorkloadEntries; reading it takes a few
   * hundred MB of heap for a moment.
   */
  public static final long MAX_FILE_BYTES = 8L * 1024 * 1024;
  /**
   * Largest text the parser takes at all, in characters: a backstop above {@link #MAX_FILE_BYTES}, as
   * lists read back from a server can be larger than one file.
   */
  public static final int MAX_TEXT_CHARS = 256 * 1024 * 1024;

  /**
   * Most values (maps, lists, scalars, keys) YAML aliases may repeat in one text, counted as if each
   * alias were written out: Istio objects hardly use aliases, and a few hundred bytes of nested aliases
   * (a "billion laughs" document) would otherwise expand to millions of objects.
   */
  public static final int MAX_ALIAS_VALUES = 100_000;
  /** Most characters of values and keys YAML aliases may repeat in one text: as many as one file holds. */
  public static final long MAX_ALIAS_CHARS = MAX_FILE_BYTES;

  private InputLimits() {}

  /** The message for a file of {@code bytes} over {@link #MAX_FILE_BYTES}. */
  public static String fileTooLarge(long bytes) {
    return "file is " + size(bytes) + ", more than the " + size(MAX_FILE_BYTES) + " vmesh reads from one file; "
        + "split it into several files";
  }

  static String valueTooLong(int chars) {
    return "a value of " + chars + " characters is longer than the " + MAX_VALUE_CHARS + " (" + size(MAX_VALUE_CHARS)
        + ") vmesh reads in one value; shorten it";
  }

  static String tooDeep() {
    return "maps and lists nest deeper than " + MAX_DEPTH + " levels, the most vmesh reads (a recursive alias?)";
  }

  static String aliasesRepeatTooMuch() {
    return "aliases repeat more than " + MAX_ALIAS_VALUES + " values or " + size(MAX_ALIAS_CHARS)
        + " of text, the most vmesh expands (an alias bomb?); write the repeated parts out instead";
  }

  static String textTooLarge(int chars) {
    return "input is " + chars + " characters, more than the " + MAX_TEXT_CHARS + " vmesh parses at once";
  }

  /** {@code bytes} for people: {@code 8 MiB}, {@code 300.5 MiB}, {@code 12 KiB}. */
  static String size(long bytes) {
    if (bytes >= 1024 * 1024) {
      return format(bytes / (1024.0 * 1024)) + " MiB";
    }
    if (bytes >= 1024) {
      return format(bytes / 1024.0) + " KiB";
    }
    return bytes + " bytes";
  }

  private static String format(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }
}
