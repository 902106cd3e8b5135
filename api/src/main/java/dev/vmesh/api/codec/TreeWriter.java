package dev.vmesh.api.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * {@code TreeWriter} prints plain trees (maps, lists, strings, numbers, booleans, null) as YAML or
 * JSON. Map order is kept as given.
 */
public final class TreeWriter {
  private static final JsonFactory JSON = new JsonFactory();
  private static final DumpSettings YAML = DumpSettings.builder()
      .setDefaultFlowStyle(FlowStyle.BLOCK)
      .setIndent(2)
      .setIndicatorIndent(0)
      .setWidth(120)
      .setSchema(new CoreSchema()) // quote strings such as "True" that the reader would take as booleans
      .build();

  private TreeWriter() {}

  /** YAML for one tree. */
  public static String yaml(Object tree) {
    return new Dump(YAML).dumpToString(tree);
  }

  /** YAML for several trees, as documents separated by {@code ---}. */
  public static String yamlDocuments(List<?> trees) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < trees.size(); i++) {
      if (i > 0) {
        sb.append("---\n");
      }
      sb.append(yaml(trees.get(i)));
    }
    return sb.toString();
  }

  /** JSON; pretty-printed with two-space indent when {@code pretty}. */
  public static String json(Object tree, boolean pretty) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      if (pretty) {
        g.useDefaultPrettyPrinter();
      }
      write(g, tree);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, Object v) throws IOException {
    switch (v) {
      case null -> g.writeNull();
      case Map<?, ?> m -> {
        g.writeStartObject();
        for (Map.Entry<?, ?> e : m.entrySet()) {
          g.writeFieldName(String.valueOf(e.getKey()));
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case List<?> l -> {
        g.writeStartArray();
        for (Object o : l) {
          write(g, o);
        }
        g.writeEndArray();
      }
      case String s -> g.writeString(s);
      case Integer i -> g.writeNumber(i);
      case Long l -> g.writeNumber(l);
      case Double d -> g.writeNumber(d);
      case Boolean b -> g.writeBoolean(b);
      default -> g.writeString(v.toString());
    }
  }
}
