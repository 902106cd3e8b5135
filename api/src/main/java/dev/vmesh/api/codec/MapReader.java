package dev.vmesh.api.codec;

import dev.vmesh.api.codec.SourceNode.Field;
import dev.vmesh.api.codec.SourceNode.MapNode;
import dev.vmesh.api.codec.SourceNode.Scalar;
import dev.vmesh.api.codec.SourceNode.ScalarType;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code MapReader} reads the fields of one map node through its {@link NodeReader}. Fields absent or
 * null read as empty values. {@link #finish()} reports every field that was never read as unknown.
 */
final class MapReader {
  private final NodeReader reader;
  private final MapNode node;
  private final String path;
  private final String what;
  private final Set<String> seen = new HashSet<>();
  private final Set<String> ignored = new HashSet<>();

  MapReader(NodeReader reader, MapNode node, String path, String what) {
    this.reader = reader;
    this.node = node;
    this.path = path;
    this.what = what;
  }

  String path() {
    return path;
  }

  MapNode node() {
    return node;
  }

  NodeReader reader() {
    return reader;
  }

  Position position() {
    return node.position();
  }

  /** The field's node, or null when absent or null. Marks the field as known. */
  SourceNode get(String key) {
    seen.add(key);
    Field f = node.fields().get(key);
    if (f == null || NodeReader.isNull(f.value())) {
      return null;
    }
    return f.value();
  }

  boolean has(String key) {
    return get(key) != null;
  }

  /** Accepts and drops a field vmesh does not keep (e.g. metadata.managedFields). */
  void ignore(String... keys) {
    ignored.addAll(List.of(keys));
  }

  String childPath(String key) {
    return NodeReader.child(path, key);
  }

  String string(String key) {
    SourceNode n = get(key);
    return n == null ? "" : reader.string(n, childPath(key));
  }

  /** A port number: 1..65535, 0 when absent. */
  int port(String key) {
    SourceNode n = get(key);
    return n == null ? 0 : (int) reader.integer(n, childPath(key), 1, 65535, "1..65535");
  }

  /** A uint32: 0..4294967295. */
  long uint32(String key) {
    SourceNode n = get(key);
    return n == null ? 0 : reader.integer(n, childPath(key), 0, 0xFFFF_FFFFL, "0..4294967295");
  }

  /** An int32. */
  int int32(String key) {
    SourceNode n = get(key);
    return n == null ? 0 : (int) reader.integer(n, childPath(key), Integer.MIN_VALUE, Integer.MAX_VALUE,
        "the 32-bit integer range");
  }

  /** An int64 written as a number or (protobuf JSON style) as a decimal string. */
  long int64(String key) {
    SourceNode n = get(key);
    if (n == null) {
      return 0;
    }
    if (n instanceof Scalar s && s.type() == ScalarType.STRING && s.text().matches("-?[0-9]{1,18}")) {
      reader.record(childPath(key), n.position());
      return Long.parseLong(s.text());
    }
    return reader.integer(n, childPath(key), Long.MIN_VALUE, Long.MAX_VALUE, "the 64-bit integer range");
  }

  boolean bool(String key) {
    SourceNode n = get(key);
    return n != null && reader.bool(n, childPath(key));
  }

  Instant time(String key) {
    SourceNode n = get(key);
    return n == null ? null : reader.time(n, childPath(key));
  }

  <E extends Enum<E>> E enumValue(String key, Class<E> type, E dflt) {
    SourceNode n = get(key);
    return n == null ? dflt : reader.enumValue(n, childPath(key), type, dflt);
  }

  List<String> stringList(String key) {
    SourceNode n = get(key);
    return n == null ? List.of() : reader.stringList(n, childPath(key));
  }

  Map<String, String> stringMap(String key) {
    SourceNode n = get(key);
    return n == null ? Map.of() : reader.stringMap(n, childPath(key));
  }

  /** A map of name to port number (1..65535). */
  Map<String, Integer> portMap(String key) {
    SourceNode n = get(key);
    return n == null ? Map.of() : reader.mapOf(n, childPath(key),
        (v, p) -> (int) reader.integer(v, p, 1, 65535, "1..65535"));
  }

  <T> List<T> list(String key, BiFunction<SourceNode, String, T> item) {
    SourceNode n = get(key);
    return n == null ? List.of() : reader.list(n, childPath(key), item);
  }

  /** A nested object read by {@code fn}; null when absent or not a map. */
  <T> T object(String key, String objectWhat, Function<MapReader, T> fn) {
    SourceNode n = get(key);
    if (n == null) {
      return null;
    }
    MapReader r = reader.map(n, childPath(key), objectWhat);
    if (r == null) {
      return null;
    }
    T out = fn.apply(r);
    r.finish();
    return out;
  }

  /**
   * Accepts {@code key} as one of Istio's fields that vmesh does not implement: when it is present, an
   * error at the field says so with {@code why} (what is supported instead). Never silently dropped.
   */
  void unsupported(String key, String why) {
    seen.add(key);
    Field f = node.fields().get(key);
    if (f != null && !NodeReader.isNull(f.value())) {
      String p = NodeReader.child(path, key);
      reader.record(p, f.keyPosition());
      reader.error(p, f.keyPosition(), why);
    }
  }

  /** Reports every field not read or ignored as unknown, with a suggestion. */
  void finish() {
    for (Field f : node.fields().values()) {
      if (seen.contains(f.key()) || ignored.contains(f.key())) {
        continue;
      }
      String p = NodeReader.child(path, f.key());
      reader.record(p, f.keyPosition());
      String suggestion = Suggestions.closest(f.key(), seen);
      reader.error(p, f.keyPosition(), "unknown field \"" + f.key() + "\" in " + what
          + (suggestion != null ? " (did you mean \"" + suggestion + "\"?)" : "")
          + "; known fields: " + seen.stream().sorted().collect(Collectors.joining(", ")));
    }
  }
}
