package dev.vmesh.api.codec;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.SourceNode.Field;
import dev.vmesh.api.codec.SourceNode.ListNode;
import dev.vmesh.api.codec.SourceNode.MapNode;
import dev.vmesh.api.codec.SourceNode.Scalar;
import dev.vmesh.api.codec.SourceNode.ScalarType;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Collectors;

/**
 * {@code NodeReader} reads typed values out of a {@link SourceNode} tree with strict, Kubernetes-like
 * typing, and records a {@link Problem} (with field path and position) for anything wrong instead of
 * throwing. Every read also records the value's position in the source map.
 */
final class NodeReader {
  private final String source;
  private final List<Problem> problems;
  private final Map<String, Position> positions = new HashMap<>();

  NodeReader(String source, List<Problem> problems) {
    this.source = source;
    this.problems = problems;
  }

  List<Problem> problems() {
    return problems;
  }

  String source() {
    return source;
  }

  SourceMap sourceMap() {
    return new SourceMap(source, positions);
  }

  void error(String path, Position pos, String message) {
    problems.add(new Problem(Problem.Severity.ERROR, source, pos, path, message));
  }

  void warning(String path, Position pos, String message) {
    problems.add(new Problem(Problem.Severity.WARNING, source, pos, path, message));
  }

  void notice(String path, Position pos, String message) {
    problems.add(new Problem(Problem.Severity.NOTICE, source, pos, path, message));
  }

  void record(String path, Position pos) {
    positions.putIfAbsent(path, pos);
  }

  /** Where {@code path} was read from, or {@link Position#UNKNOWN}. */
  Position position(String path) {
    return positions.getOrDefault(path, Position.UNKNOWN);
  }

  static String child(String parent, String key) {
    return FieldPaths.child(parent, key);
  }

  static String index(String parent, int i) {
    return FieldPaths.index(parent, i);
  }

  static boolean isNull(SourceNode n) {
    return n instanceof Scalar s && s.type() == ScalarType.NULL;
  }

  /** A reader over a map node, or null (after recording an error) if the node is not a map. */
  MapReader map(SourceNode node, String path, String what) {
    record(path, node.position());
    if (node instanceof MapNode m) {
      return new MapReader(this, m, path, what);
    }
    error(path, node.position(), "expected " + what + " (a map of fields), got " + node.describe());
    return null;
  }

  String string(SourceNode node, String path) {
    record(path, node.position());
    if (node instanceof Scalar s && s.type() == ScalarType.STRING) {
      return s.text();
    }
    if (node instanceof Scalar s && s.type() != ScalarType.NULL) {
      error(path, node.position(), "expected a string, got " + node.describe() + " (" + s.text()
          + "); quote it: \"" + s.text() + "\"");
    } else {
      error(path, node.position(), "expected a string, got " + node.describe());
    }
    return "";
  }

  /** An integer in {@code [min, max]}; {@code rangeHint} explains the range in the error. */
  long integer(SourceNode node, String path, long min, long max, String rangeHint) {
    record(path, node.position());
    if (node instanceof Scalar s && s.type() == ScalarType.INT) {
      try {
        long v = parseYamlInt(s.text());
        if (v < min || v > max) {
          error(path, node.position(), v + " is not in " + rangeHint);
          return 0;
        }
        return v;
      } catch (NumberFormatException e) {
        error(path, node.position(), s.text() + " is not in " + rangeHint);
        return 0;
      }
    }
    if (node instanceof Scalar s && s.type() == ScalarType.STRING && s.text().matches("-?[0-9]+")) {
      error(path, node.position(), "expected an integer, got a string (\"" + s.text() + "\"); write "
          + s.text() + " without quotes");
    } else {
      error(path, node.position(), "expected an integer, got " + node.describe()
          + (node instanceof Scalar s ? " (" + s.text() + ")" : ""));
    }
    return 0;
  }

  private static long parseYamlInt(String text) {
    String t = text.replace("_", "");
    boolean neg = t.startsWith("-");
    if (t.startsWith("+") || neg) {
      t = t.substring(1);
    }
    long v;
    if (t.startsWith("0x")) {
      v = Long.parseLong(t.substring(2), 16);
    } else if (t.startsWith("0o")) {
      v = Long.parseLong(t.substring(2), 8);
    } else {
      v = Long.parseLong(t);
    }
    return neg ? -v : v;
  }

  boolean bool(SourceNode node, String path) {
    record(path, node.position());
    if (node instanceof Scalar s && s.type() == ScalarType.BOOL) {
      return Boolean.parseBoolean(s.text().toLowerCase(Locale.ROOT));
    }
    error(path, node.position(), "expected true or false, got " + node.describe());
    return false;
  }

  Instant time(SourceNode node, String path) {
    String text = string(node, path);
    if (text.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text).toInstant();
    } catch (DateTimeParseException e) {
      error(path, node.position(), "\"" + text + "\" is not an RFC 3339 time such as 2026-01-02T15:04:05Z");
      return null;
    }
  }

  <E extends Enum<E>> E enumValue(SourceNode node, String path, Class<E> type, E dflt) {
    String text = string(node, path);
    if (text.isEmpty()) {
      return dflt;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(text)) {
        return e;
      }
    }
    String allowed = Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
    error(path, node.position(), "\"" + text + "\" is not one of " + allowed);
    return dflt;
  }

  List<String> stringList(SourceNode node, String path) {
    return list(node, path, this::string);
  }

  <T> List<T> list(SourceNode node, String path, BiFunction<SourceNode, String, T> item) {
    record(path, node.position());
    if (!(node instanceof ListNode l)) {
      error(path, node.position(), "expected a list, got " + node.describe());
      return List.of();
    }
    List<T> out = new ArrayList<>(l.items().size());
    for (int i = 0; i < l.items().size(); i++) {
      SourceNode n = l.items().get(i);
      String p = index(path, i);
      if (isNull(n)) {
        record(p, n.position());
        error(p, n.position(), "list items must not be null; remove the empty item");
        continue;
      }
      T v = item.apply(n, p);
      if (v != null) {
        out.add(v);
      }
    }
    return out;
  }

  /** A string-keyed map whose values are read by {@code value}. */
  <T> Map<String, T> mapOf(SourceNode node, String path, BiFunction<SourceNode, String, T> value) {
    record(path, node.position());
    if (!(node instanceof MapNode m)) {
      error(path, node.position(), "expected a map, got " + node.describe());
      return Map.of();
    }
    Map<String, T> out = new LinkedHashMap<>();
    for (Field f : m.fields().values()) {
      String p = child(path, f.key());
      record(p, f.keyPosition());
      if (isNull(f.value())) {
        error(p, f.value().position(), "value must not be null; use \"\" for an empty value");
        continue;
      }
      T v = value.apply(f.value(), p);
      if (v != null) {
        out.put(f.key(), v);
      }
    }
    return out;
  }

  Map<String, String> stringMap(SourceNode node, String path) {
    return mapOf(node, path, this::string);
  }
}
