package dev.vmesh.api.codec;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code SourceMap} remembers where each field path of one decoded object came from, so validation
 * messages (which know only paths) can point at a line and column.
 */
public final class SourceMap {
  /** A source map that knows nothing; every lookup answers {@link Position#UNKNOWN}. */
  public static final SourceMap EMPTY = new SourceMap("", Map.of());

  private final String source;
  private final Map<String, Position> positions;

  public SourceMap(String source, Map<String, Position> positions) {
    this.source = source;
    this.positions = new HashMap<>(positions);
  }

  /** The file (or other input name) the object came from. */
  public String source() {
    return source;
  }

  /** Whether the source had exactly this field (not just a parent of it). */
  public boolean has(String path) {
    return positions.containsKey(path);
  }

  /**
   * The position of {@code path}, or of its nearest recorded parent (so a message about
   * {@code spec.hosts[3]} still points near the hosts list if item 3 was not recorded).
   */
  public Position positionOf(String path) {
    String p = path;
    while (!p.isEmpty()) {
      Position pos = positions.get(p);
      if (pos != null) {
        return pos;
      }
      p = parent(p);
    }
    return positions.getOrDefault("", Position.UNKNOWN);
  }

  static String parent(String path) {
    int dot = path.lastIndexOf('.');
    int bracket = path.lastIndexOf('[');
    int cut = Math.max(dot, bracket);
    return cut <= 0 ? "" : path.substring(0, cut);
  }
}
