package dev.vmesh.api.codec;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code SourceNode} is a parsed YAML or JSON value that remembers where it came from, so that every
 * decoding and validation error can name a line and column.
 */
public sealed interface SourceNode {
  Position position();

  /** A short name of the node's type for error messages ("a map", "a string", ...). */
  String describe();

  /** A mapping. Keys keep their source order; each key remembers its own position. */
  record MapNode(Map<String, Field> fields, Position position) implements SourceNode {
    public MapNode {
      fields = new LinkedHashMap<>(fields);
    }

    @Override
    public String describe() {
      return "a map";
    }
  }

  /** One key of a mapping and its value. */
  record Field(String key, Position keyPosition, SourceNode value) {}

  /** A sequence. */
  record ListNode(List<SourceNode> items, Position position) implements SourceNode {
    public ListNode {
      items = List.copyOf(items);
    }

    @Override
    public String describe() {
      return "a list";
    }
  }

  /** A scalar with its resolved type (YAML 1.2 core schema, or the JSON token type). */
  record Scalar(String text, ScalarType type, Position position) implements SourceNode {
    @Override
    public String describe() {
      return switch (type) {
        case STRING -> "a string";
        case INT -> "an integer";
        case FLOAT -> "a number";
        case BOOL -> "a boolean";
        case NULL -> "null";
      };
    }
  }

  /** Scalar types after tag resolution. */
  enum ScalarType {
    STRING,
    INT,
    FLOAT,
    BOOL,
    NULL
  }
}
