package dev.vmesh.api.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.SourceNode.Field;
import dev.vmesh.api.codec.SourceNode.ListNode;
import dev.vmesh.api.codec.SourceNode.MapNode;
import dev.vmesh.api.codec.SourceNode.Scalar;
import dev.vmesh.api.codec.SourceNode.ScalarType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.Parser;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * {@code SourceParser} turns YAML (multi-document) or JSON text into {@link SourceNode} trees that keep
 * line and column of every value. Syntax errors and input over {@link InputLimits} become
 * {@link Problem}s, never exceptions.
 */
public final class SourceParser {
  static final int MAX_DEPTH = InputLimits.MAX_DEPTH;
  /** The YAML reader's buffer: the text, up to 1 MiB (the reader copies its buffer per refill; small is slow). */
  private static final int MAX_BUFFER_CHARS = 1024 * 1024;

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxStringLength(InputLimits.MAX_VALUE_CHARS)
          .maxNumberLength(1000)
          .maxNameLength(InputLimits.MAX_VALUE_CHARS)
          .build())
      .build();

  private SourceParser() {}

  /** The documents of one input and the syntax problems found in it. */
  public record Parsed(List<SourceNode> documents, List<Problem> problems) {
    public boolean hasErrors() {
      return problems.stream().anyMatch(Problem::isError);
    }
  }

  /** Parses by file name: {@code .json} as JSON, anything else as YAML (which also reads most JSON). */
  public static Parsed parse(String source, String text) {
    return source.toLowerCase(Locale.ROOT).endsWith(".json") ? parseJson(source, text) : parseYaml(source, text);
  }

  /**
   * Parses a YAML stream of one or more documents separated by {@code ---}. Empty documents are dropped.
   * Nesting deeper than {@link InputLimits#MAX_DEPTH} and values longer than
   * {@link InputLimits#MAX_VALUE_CHARS} are errors, found while reading (before the tree is built).
   */
  public static Parsed parseYaml(String source, String text) {
    if (text.length() > InputLimits.MAX_TEXT_CHARS) {
      return tooLarge(source, text);
    }
    LoadSettings settings = LoadSettings.builder()
        .setLabel(source)
        .setSchema(new CoreSchema())
        .setCodePointLimit(InputLimits.MAX_TEXT_CHARS)
        .setBufferSize(Math.min(text.length() + 1, MAX_BUFFER_CHARS))
        .setMaxAliasesForCollections(50)
        .setAllowRecursiveKeys(false)
        .build();
    List<SourceNode> docs = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    long[] repeated = new long[2]; // values and characters aliases repeated, over all documents of the text
    try {
      // snakeyaml's composer recurses once per level: the bounded parser stops it before the stack runs out
      Composer composer = new Composer(settings, new BoundedParser(new ParserImpl(settings,
          new StreamReader(settings, text))));
      while (composer.hasNext()) {
        Node node = composer.next();
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
          continue; // an empty document, e.g. a trailing '---'
        }
        docs.add(new YamlConverter(source, problems, repeated).convert(node, 0));
      }
    } catch (MarkedYamlEngineException e) {
      Position pos = e.getProblemMark().or(e::getContextMark).map(SourceParser::position).orElse(Position.UNKNOWN);
      String what = e.getProblem() != null ? e.getProblem() : e.getMessage();
      problems.add(new Problem(Problem.Severity.ERROR, source, pos, "",
          "YAML syntax error: " + what + (e.getContext() != null ? " (" + e.getContext() + ")" : "")));
    } catch (YamlEngineException e) {
      problems.add(new Problem(Problem.Severity.ERROR, source, Position.UNKNOWN, "",
          "YAML error: " + e.getMessage()));
    } catch (OverLimit e) {
      problems.add(new Problem(Problem.Severity.ERROR, source, e.position, "", e.getMessage()));
    }
    return new Parsed(docs, problems);
  }

  /** Parses one or more concatenated JSON values, within the same limits as YAML. */
  public static Parsed parseJson(String source, String text) {
    if (text.length() > InputLimits.MAX_TEXT_CHARS) {
      return tooLarge(source, text);
    }
    List<SourceNode> docs = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    try (JsonParser p = JSON.createParser(text)) {
      while (p.nextToken() != null) {
        docs.add(readJson(source, p, problems));
      }
    } catch (StreamConstraintsException e) {
      JsonLocation loc = e.getLocation();
      Position pos = loc == null ? Position.UNKNOWN : new Position(loc.getLineNr(), loc.getColumnNr());
      String message = e.getOriginalMessage().contains("nesting depth") ? InputLimits.tooDeep()
          : e.getOriginalMessage().contains("String value length") || e.getOriginalMessage().contains("Name length")
          ? "a value is longer than the " + InputLimits.MAX_VALUE_CHARS + " characters vmesh reads in one value; "
              + "shorten it"
          : "JSON input over a limit: " + e.getOriginalMessage();
      problems.add(new Problem(Problem.Severity.ERROR, source, pos, "", message));
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      Position pos = loc == null ? Position.UNKNOWN : new Position(loc.getLineNr(), loc.getColumnNr());
      problems.add(new Problem(Problem.Severity.ERROR, source, pos, "", "JSON syntax error: " + e.getOriginalMessage()));
    } catch (IOException e) {
      problems.add(new Problem(Problem.Severity.ERROR, source, Position.UNKNOWN, "", "cannot read JSON: " + e));
    }
    return new Parsed(docs, problems);
  }

  private static SourceNode readJson(String source, JsonParser p, List<Problem> problems) throws IOException {
    JsonLocation loc = p.currentTokenLocation();
    Position pos = new Position(loc.getLineNr(), loc.getColumnNr());
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        Map<String, Field> fields = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          JsonLocation kl = p.currentTokenLocation();
          Position keyPos = new Position(kl.getLineNr(), kl.getColumnNr());
          String key = p.currentName();
          p.nextToken();
          SourceNode value = readJson(source, p, problems);
          if (fields.containsKey(key)) {
            problems.add(new Problem(Problem.Severity.ERROR, source, keyPos, "",
                "duplicate key \"" + key + "\" (first at " + fields.get(key).keyPosition() + "); remove one"));
          } else {
            fields.put(key, new Field(key, keyPos, value));
          }
        }
        return new MapNode(fields, pos);
      }
      case START_ARRAY -> {
        List<SourceNode> items = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          items.add(readJson(source, p, problems));
        }
        return new ListNode(items, pos);
      }
      case VALUE_STRING -> {
        return new Scalar(p.getText(), ScalarType.STRING, pos);
      }
      case VALUE_NUMBER_INT -> {
        return new Scalar(p.getText(), ScalarType.INT, pos);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new Scalar(p.getText(), ScalarType.FLOAT, pos);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new Scalar(p.getText(), ScalarType.BOOL, pos);
      }
      case VALUE_NULL -> {
        return new Scalar("null", ScalarType.NULL, pos);
      }
      default -> throw new JsonProcessingException("unexpected token " + t, loc) {};
    }
  }

  private static Parsed tooLarge(String source, String text) {
    return new Parsed(List.of(), List.of(new Problem(Problem.Severity.ERROR, source, Position.UNKNOWN, "",
        InputLimits.textTooLarge(text.length()))));
  }

  static Position position(Mark m) {
    return new Position(m.getLine() + 1, m.getColumn() + 1);
  }

  private static Position position(Optional<Mark> m) {
    return m.map(SourceParser::position).orElse(Position.UNKNOWN);
  }

  /** Thrown when YAML nests beyond {@link #MAX_DEPTH} or has a value beyond the length limit. */
  private static final class OverLimit extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Position position;

    OverLimit(String message, Position position) {
      super(message, null, false, false);
      this.position = position;
    }

    static OverLimit tooDeep(Position position) {
      return new OverLimit(InputLimits.tooDeep(), position);
    }
  }

  /**
   * Passes a YAML parser's events through, counting open maps and lists, and stops the stream with
   * {@link OverLimit} at the first one nested deeper than {@link #MAX_DEPTH} or the first value longer
   * than {@link InputLimits#MAX_VALUE_CHARS}. snakeyaml's own parser keeps its state on a heap stack;
   * its composer does not, so this is what keeps a deeply nested input from overflowing the thread's.
   */
  private static final class BoundedParser implements Parser {
    private final Parser parser;
    private int depth;

    BoundedParser(Parser parser) {
      this.parser = parser;
    }

    @Override
    public boolean checkEvent(Event.ID id) {
      return parser.checkEvent(id);
    }

    @Override
    public Event peekEvent() {
      return parser.peekEvent();
    }

    @Override
    public boolean hasNext() {
      return parser.hasNext();
    }

    @Override
    public Event next() {
      Event e = parser.next();
      switch (e.getEventId()) {
        case MappingStart, SequenceStart -> {
          if (++depth > MAX_DEPTH) {
            throw OverLimit.tooDeep(position(e.getStartMark()));
          }
        }
        case MappingEnd, SequenceEnd -> depth--;
        case Scalar -> {
          int length = ((ScalarEvent) e).getValue().length();
          if (length > InputLimits.MAX_VALUE_CHARS) {
            throw new OverLimit(InputLimits.valueTooLong(length), position(e.getStartMark()));
          }
        }
        default -> { }
      }
      return e;
    }
  }

  /**
   * Converts one composed YAML node graph into a SourceNode tree. An alias becomes the very node its
   * anchor made, so whoever walks the result walks the anchored part once per alias: the converter
   * counts what aliases repeat (values and characters, over the whole text) and stops at
   * {@link InputLimits#MAX_ALIAS_VALUES} or {@link InputLimits#MAX_ALIAS_CHARS}, and checks that an
   * alias does not nest its anchored part deeper than {@link #MAX_DEPTH}.
   */
  private static final class YamlConverter {
    private final String source;
    private final List<Problem> problems;
    private final Map<Node, SourceNode> converted = new IdentityHashMap<>();
    /** Per converted node, its tree as aliases expand it: values, characters, levels of maps and lists. */
    private final Map<Node, long[]> expanded = new IdentityHashMap<>();
    private final long[] repeated;

    YamlConverter(String source, List<Problem> problems, long[] repeated) {
      this.source = source;
      this.problems = problems;
      this.repeated = repeated;
    }

    SourceNode convert(Node node, int depth) {
      Position pos = position(node.getStartMark());
      if (depth > MAX_DEPTH) {
        throw OverLimit.tooDeep(pos);
      }
      SourceNode done = converted.get(node); // aliases point at the same node: convert once
      if (done != null) {
        long[] size = expanded.get(node);
        repeated[0] += size[0];
        repeated[1] += size[1];
        if (repeated[0] > InputLimits.MAX_ALIAS_VALUES || repeated[1] > InputLimits.MAX_ALIAS_CHARS) {
          throw new OverLimit(InputLimits.aliasesRepeatTooMuch(), pos);
        }
        if (depth + size[2] > MAX_DEPTH) {
          throw OverLimit.tooDeep(pos);
        }
        return done;
      }
      long[] size = {1, 0, node instanceof ScalarNode ? 0 : 1}; // a map or list is a level even when empty
      SourceNode out = switch (node) {
        case MappingNode m -> convertMap(m, pos, depth, size);
        case SequenceNode s -> {
          List<SourceNode> items = new ArrayList<>(s.getValue().size());
          for (Node item : s.getValue()) {
            items.add(convert(item, depth + 1));
            add(size, item);
          }
          yield new ListNode(items, pos);
        }
        case ScalarNode s -> {
          size[1] = s.getValue().length();
          yield new Scalar(s.getValue(), scalarType(s), pos);
        }
        default -> throw new IllegalStateException("unknown YAML node " + node);
      };
      converted.put(node, out);
      expanded.put(node, size);
      return out;
    }

    /** Adds a converted child's expanded size to its parent's (one level below it). */
    private void add(long[] parent, Node child) {
      long[] c = expanded.get(child);
      if (c != null) { // null only for a key that was not a scalar (reported, not converted)
        parent[0] += c[0];
        parent[1] += c[1];
        parent[2] = Math.max(parent[2], c[2] + 1);
      }
    }

    private SourceNode convertMap(MappingNode m, Position pos, int depth, long[] size) {
      Map<String, Field> fields = new LinkedHashMap<>();
      for (NodeTuple t : m.getValue()) {
        Position keyPos = position(t.getKeyNode().getStartMark());
        if (!(t.getKeyNode() instanceof ScalarNode k)) {
          problems.add(new Problem(Problem.Severity.ERROR, source, keyPos, "",
              "map keys must be plain strings, not " + t.getKeyNode().getNodeType().name().toLowerCase(Locale.ROOT)));
          continue;
        }
        String key = k.getValue();
        size[0]++;
        size[1] += key.length();
        SourceNode value = convert(t.getValueNode(), depth + 1);
        add(size, t.getValueNode());
        if (fields.containsKey(key)) {
          problems.add(new Problem(Problem.Severity.ERROR, source, keyPos, "",
              "duplicate key \"" + key + "\" (first at " + fields.get(key).keyPosition() + "); remove one"));
        } else {
          fields.put(key, new Field(key, keyPos, value));
        }
      }
      return new MapNode(fields, pos);
    }

    private static ScalarType scalarType(ScalarNode s) {
      Tag tag = s.getTag();
      if (tag.equals(Tag.STR)) {
        return ScalarType.STRING;
      } else if (tag.equals(Tag.INT)) {
        return ScalarType.INT;
      } else if (tag.equals(Tag.FLOAT)) {
        return ScalarType.FLOAT;
      } else if (tag.equals(Tag.BOOL)) {
        return ScalarType.BOOL;
      } else if (tag.equals(Tag.NULL)) {
        return ScalarType.NULL;
      }
      return ScalarType.STRING; // custom tags (!foo) are read as their text
    }
  }
}
