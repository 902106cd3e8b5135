package dev.vmesh.api;

import java.util.Map;

/** {@code Maps} holds the map-copy helper the model records share. */
final class Maps {
  private Maps() {}

  /**
   * An unmodifiable copy, empty for null. {@code Map.copyOf} keeps the footprint small (two array
   * slots per entry), which matters with 100k WorkloadEntries; writers sort keys when printing.
   */
  static <V> Map<String, V> copy(Map<String, V> in) {
    return in == null || in.isEmpty() ? Map.of() : Map.copyOf(in);
  }
}
