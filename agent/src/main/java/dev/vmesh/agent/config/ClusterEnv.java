package dev.vmesh.agent.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ClusterEnv} reads and writes {@code cluster.env}: one {@code KEY='value'} per line, sorted, in
 * the shell syntax Istio's start script sources. Reading accepts what a person editing the file may
 * write (comments, {@code export}, double quotes, bare words) and rejects the rest with the line and
 * the fix, rather than guessing what a shell would have done.
 */
public final class ClusterEnv {
  private ClusterEnv() {}

  /** A line that is not {@code KEY=value}. */
  public static final class FormatException extends Exception {
    private static final long serialVersionUID = 1L;

    FormatException(String message) {
      super(message);
    }
  }

  /** The file's text: sorted, single-quoted values (a quote inside is written as {@code '\''}). */
  public static String format(Map<String, String> values) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(values).forEach((k, v) -> sb.append(k).append('=').append(quote(v)).append('\n'));
    return sb.toString();
  }

  static String quote(String v) {
    return "'" + v.replace("'", "'\\''") + "'";
  }

  /** The variables of {@code text}; {@code source} names the file in errors. Later lines win. */
  public static Map<String, String> parse(String source, String text) throws FormatException {
    Map<String, String> out = new TreeMap<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = source + ":" + (i + 1) + ": ";
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0 || !line.substring(0, eq).matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new FormatException(where + "expected KEY='value', got \"" + abbreviate(line)
            + "\"; keys are letters, digits and _, and start with a letter or _");
      }
      String key = line.substring(0, eq);
      out.put(key, value(line.substring(eq + 1), where + key + ": "));
    }
    return out;
  }

  private static String value(String raw, String where) throws FormatException {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (c == '\'') {
        int end = raw.indexOf('\'', i + 1);
        if (end < 0) {
          throw new FormatException(where + "unterminated single quote; close it on the same line");
        }
        sb.append(raw, i + 1, end);
        i = end + 1;
      } else if (c == '"') {
        i = doubleQuoted(raw, i + 1, sb, where);
      } else if (c == '\\' && i + 1 < raw.length()) {
        sb.append(raw.charAt(i + 1));
        i += 2;
      } else if (Character.isWhitespace(c)) {
        String rest = raw.substring(i).strip();
        if (!rest.isEmpty() && !rest.startsWith("#")) {
          throw new FormatException(where + "unquoted space in the value; quote it: '" + raw.strip() + "'");
        }
        break;
      } else if (c == '$' || c == '`') {
        throw new FormatException(where + "shell expansion (" + c + ") is not supported; write the value"
            + " itself, in single quotes");
      } else {
        sb.append(c);
        i++;
      }
    }
    return sb.toString();
  }

  private static int doubleQuoted(String raw, int i, StringBuilder sb, String where) throws FormatException {
    while (i < raw.length()) {
      char c = raw.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c == '\\' && i + 1 < raw.length() && "\"\\$`".indexOf(raw.charAt(i + 1)) >= 0) {
        sb.append(raw.charAt(i + 1));
        i += 2;
        continue;
      }
      if (c == '$' || c == '`') {
        throw new FormatException(where + "shell expansion (" + c + ") is not supported; write the value"
            + " itself, in single quotes");
      }
      sb.append(c);
      i++;
    }
    throw new FormatException(where + "unterminated double quote; close it on the same line");
  }

  private static String abbreviate(String s) {
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }

  /** Keys whose values are lists in Istio's format (comma-separated), split for callers. */
  public static List<String> list(String value) {
    List<String> out = new ArrayList<>();
    for (String s : value.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }
}
