package dev.vmesh.api.fuzz;

import dev.vmesh.api.codec.InputLimits;
import dev.vmesh.api.fuzz.ConfigTexts.Input;
import java.util.Collections;
import java.util.Random;

/**
 * Config texts made to hurt a parser: nesting past the limit in every syntax, alias bombs (also of
 * {@code List} objects, which the decoder expands item by item), values just under and over the size
 * limit in every scalar style, wide lists and maps, thousands of documents, random trees of the schema's
 * field names, and junk. Each says which limit it breaks for certain, if any.
 */
final class HostileYaml {
  private static final int MAX_DEPTH = InputLimits.MAX_DEPTH;
  private static final String[] BOMB_FIELDS = {"spec: {hosts: %s}", "metadata: {name: a, labels: %s}",
      "spec: %s", "metadata: {name: a, annotations: {a: %s}}", "unknownField: %s",
      "spec: {ports: %s}", "spec: {endpoints: %s}", "status: {conditions: %s}", "spec: {exportTo: %s}"};

  private HostileYaml() {}

  /** Maps and lists nested around the limit (61 to 68 levels) or far past it (up to 3,000). */
  static Input deepNesting(Random r) {
    int levels = r.nextInt(3) == 0 ? 2 + r.nextInt(3000) : MAX_DEPTH - 3 + r.nextInt(8);
    int style = r.nextInt(6);
    String text;
    int depth; // of the deepest map or list, the document itself being level 1
    switch (style) {
      case 0 -> { // flow lists under an object's field
        text = ConfigTexts.objectAround(r, "spec", "[".repeat(levels) + "]".repeat(levels));
        depth = levels + 1;
      }
      case 1 -> { // flow maps
        text = "{a: ".repeat(levels) + "1" + "}".repeat(levels);
        depth = levels;
      }
      case 2 -> { // block maps, each key one level deeper
        levels = Math.min(levels, 1500);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < levels; i++) {
          b.append(" ".repeat(i)).append('k').append(i).append(i + 1 < levels ? ":\n" : ": v\n");
        }
        text = b.toString();
        depth = levels;
      }
      case 3 -> { // block lists
        levels = Math.min(levels, 1500);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < levels; i++) {
          b.append(" ".repeat(2 * i)).append("- ").append(i + 1 < levels ? "\n" : "x\n");
        }
        text = b.toString();
        depth = levels;
      }
      case 4 -> { // an anchored nest used inside another: the alias must count the anchor's levels
        int inner = 1 + r.nextInt(Math.min(levels, 200));
        int outer = Math.max(0, levels - inner);
        text = "a: &d " + "[".repeat(inner) + "]".repeat(inner) + "\nb: " + "[".repeat(outer) + "*d"
            + "]".repeat(outer) + "\n";
        depth = Math.max(inner, outer + inner) + 1;
      }
      default -> { // JSON arrays in an object
        return new Input("deep.json", "{\"spec\": " + "[".repeat(levels) + "]".repeat(levels) + "}",
            levels + 1 > MAX_DEPTH ? "nesting of " + (levels + 1) + " levels" : null);
      }
    }
    return new Input("deep.yaml", text, depth > MAX_DEPTH ? "nesting of " + depth + " levels" : null);
  }

  /**
   * A billion-laughs document: {@code levels} anchored lists (or List objects), each holding
   * {@code fan} aliases of the one before, the last used at a field of an object.
   */
  static Input aliasBomb(Random r) {
    int levels = 2 + r.nextInt(12);
    int fan = 2 + r.nextInt(9);
    boolean lists = r.nextInt(3) == 0;
    if (r.nextInt(5) == 0) { // one long string, repeated by aliases: cheap to write, large to expand
      String v = "x".repeat(1 + r.nextInt(InputLimits.MAX_VALUE_CHARS));
      return new Input("bomb.yaml", "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nv: &s " + v
          + "\nmetadata: {name: a}\nspec: {subjectAltNames: [" + String.join(", ",
          Collections.nCopies(1 + r.nextInt(5000), "*s")) + "]}\n", null);
    }
    StringBuilder b = new StringBuilder();
    if (lists) { // kind: List objects whose items are the List before: the decoder recurses into each
      b.append("x0: &l0 {apiVersion: networking.istio.io/v1, kind: WorkloadEntry, metadata: {name: a, namespace: b},"
          + " spec: {address: 1.1.1.1}}\n");
    } else {
      b.append("x0: &l0 [").append(r.nextBoolean() ? "lol" : "\"" + "x".repeat(r.nextInt(4096)) + "\"").append("]\n");
    }
    for (int i = 1; i <= levels; i++) {
      StringBuilder items = new StringBuilder();
      for (int j = 0; j < fan; j++) {
        items.append(j == 0 ? "" : ", ").append("*l").append(i - 1);
      }
      b.append('x').append(i).append(": &l").append(i)
          .append(lists ? " {apiVersion: v1, kind: List, items: [" + items + "]}\n" : " [" + items + "]\n");
    }
    String last = "*l" + levels;
    if (lists) { // the definitions sit in a List's metadata, which the decoder ignores
      return new Input("bomb.yaml", "apiVersion: v1\nkind: List\nmetadata:\n" + b.toString().indent(2)
          + "items: [" + last + "]\n", null);
    }
    String field = BOMB_FIELDS[r.nextInt(BOMB_FIELDS.length)].formatted(last);
    return new Input("bomb.yaml", "apiVersion: networking.istio.io/v1\nkind: " + Mutate.oneOf(r, "ServiceEntry",
        "WorkloadEntry", "WorkloadGroup") + "\n" + b + (field.startsWith("metadata") ? "" : "metadata: {name: a}\n")
        + field + "\n", null);
  }

  /** One value a few characters under or over the limit, or far over it, in one of the scalar styles. */
  static Input hugeValue(Random r) {
    int length = r.nextInt(4) == 0 ? InputLimits.MAX_VALUE_CHARS * (2 + r.nextInt(8))
        : InputLimits.MAX_VALUE_CHARS - 3 + r.nextInt(7);
    String v = "x".repeat(length);
    int style = r.nextInt(8);
    String text = switch (style) {
      case 0 -> ConfigTexts.objectAround(r, "spec", "{hosts: [" + v + "]}");
      case 1 -> ConfigTexts.objectAround(r, "spec", "{address: \"" + v + "\"}");
      case 2 -> ConfigTexts.objectAround(r, "spec", "{address: '" + v + "'}");
      case 3 -> "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n  name: a\n  annotations:\n"
          + "    a: |\n      " + v + "\n";
      case 4 -> "apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: a}\nspec:\n  " + v + ": 1\n";
      case 5 -> "{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"WorkloadEntry\", \"metadata\": {\"name\": \""
          + v + "\"}}";
      case 6 -> "{\"" + v + "\": 1}";
      default -> ConfigTexts.objectAround(r, "spec", "{weight: " + "9".repeat(Math.min(length, 5000)) + "}");
    };
    // Block scalars keep or drop a line break by their chomping rule: only claim clear cases.
    boolean over = style == 7 ? false : length > InputLimits.MAX_VALUE_CHARS + (style == 3 ? 1 : 0);
    return new Input(style == 5 || style == 6 ? "big.json" : "big.yaml", text,
        over ? "a value of " + length + " characters" : null);
  }

  /** Thousands of documents, or a list or map thousands wide, in one text well under the file limit. */
  static Input manyDocuments(Random r) {
    int n = 1 + r.nextInt(r.nextBoolean() ? 200 : 2_000);
    StringBuilder b = new StringBuilder();
    switch (r.nextInt(4)) {
      case 0 -> {
        for (int i = 0; i < n; i++) {
          b.append("---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: e").append(i)
              .append("}\nspec: {address: 10.0.").append(i / 250 % 256).append('.').append(i % 250).append("}\n");
        }
      }
      case 1 -> b.append("---\n".repeat(n));
      case 2 -> {
        b.append("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: w}\nspec:\n  hosts:\n");
        for (int i = 0; i < n; i++) {
          b.append("  - h").append(i).append(".example.com\n");
        }
      }
      default -> {
        b.append("apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata:\n  name: w\n  labels:\n");
        for (int i = 0; i < n; i++) {
          b.append("    k").append(i).append(": v").append(i).append('\n');
        }
      }
    }
    return new Input("many.yaml", b.toString(), null);
  }

  /** A random tree of the schema's own field names and values, in YAML flow style or JSON. */
  static String randomTree(Random r) {
    StringBuilder b = new StringBuilder();
    boolean json = r.nextBoolean();
    b.append(json ? "{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"" : "{apiVersion: networking.istio.io/v1, kind: ")
        .append(Mutate.oneOf(r, "ServiceEntry", "WorkloadEntry", "WorkloadGroup", "List", "Other"))
        .append(json ? "\", " : ", ");
    int fields = r.nextInt(5);
    for (int i = 0; i < fields; i++) {
      key(r, b, json);
      tree(r, b, json, 1 + r.nextInt(7));
      b.append(", ");
    }
    key(r, b, json);
    tree(r, b, json, 1 + r.nextInt(7));
    return b.append('}').toString();
  }

  private static void key(Random r, StringBuilder b, boolean json) {
    String k = ConfigTexts.FIELDS.get(r.nextInt(ConfigTexts.FIELDS.size()));
    b.append(json ? "\"" + k + "\": " : k + ": ");
  }

  private static void tree(Random r, StringBuilder b, boolean json, int depth) {
    int what = depth <= 0 ? 2 : r.nextInt(3);
    if (what == 0) {
      b.append('{');
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        key(r, b, json);
        tree(r, b, json, depth - 1);
        b.append(i + 1 < n ? ", " : "");
      }
      b.append('}');
    } else if (what == 1) {
      b.append('[');
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        tree(r, b, json, depth - 1);
        b.append(i + 1 < n ? ", " : "");
      }
      b.append(']');
    } else {
      String v = ConfigTexts.VALUES.get(r.nextInt(ConfigTexts.VALUES.size()));
      if (json && !v.matches("-?[0-9]+|true|null|\\[\\]|\\{\\}")) {
        b.append('"').append(v.replace("\"", "\\\"")).append('"');
      } else {
        b.append(v.isEmpty() ? "\"\"" : v);
      }
    }
  }

  /** Random characters: control characters, surrogates, BOMs, anything. */
  static String junk(Random r) {
    char[] c = new char[r.nextInt(2000)];
    for (int i = 0; i < c.length; i++) {
      c[i] = switch (r.nextInt(4)) {
        case 0 -> (char) r.nextInt(0x10000);
        case 1 -> (char) r.nextInt(0x20);
        default -> (char) (0x20 + r.nextInt(0x60));
      };
    }
    return new String(c);
  }
}
