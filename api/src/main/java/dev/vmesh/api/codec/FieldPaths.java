package dev.vmesh.api.codec;

import java.util.regex.Pattern;

/**
 * {@code FieldPaths} builds the field paths problems carry: {@code spec.ports[1].number}, and
 * {@code metadata.labels[app.kubernetes.io/name]} for map keys that are not plain words.
 */
public final class FieldPaths {
  private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

  private FieldPaths() {}

  /** The path of map key {@code key} under {@code parent}. */
  public static String child(String parent, String key) {
    if (!PLAIN_KEY.matcher(key).matches()) {
      return parent + "[" + key + "]";
    }
    return parent.isEmpty() ? key : parent + "." + key;
  }

  /** The path of list item {@code i} under {@code parent}. */
  public static String index(String parent, int i) {
    return parent + "[" + i + "]";
  }
}
