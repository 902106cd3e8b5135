package dev.vmesh.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code LabelSelector} is a Kubernetes label selector as {@code kubectl -l} takes it:
 * {@code app=foo,tier!=db,env in (a,b),release notin (x),has-key,!no-key}. All requirements must hold.
 */
public final class LabelSelector {
  public static final LabelSelector EVERYTHING = new LabelSelector(List.of(), "");

  private static final Pattern SET_FORM =
      Pattern.compile("\\s*(!?)\\s*([^\\s!=(),]+)\\s*(?:(in|notin)\\s*\\(([^)]*)\\))?\\s*");
  private static final Pattern EQUALITY_FORM = Pattern.compile("\\s*([^\\s!=(),]+)\\s*(==|=|!=)\\s*([^\\s!=(),]*)\\s*");

  private final List<Requirement> requirements;
  private final String text;

  private LabelSelector(List<Requirement> requirements, String text) {
    this.requirements = requirements;
    this.text = text;
  }

  /** Parses {@code text}; throws IllegalArgumentException naming the part it cannot read. */
  public static LabelSelector parse(String text) {
    if (text == null || text.isBlank()) {
      return EVERYTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    for (String part : splitTopLevel(text)) {
      Matcher eq = EQUALITY_FORM.matcher(part);
      Matcher set = SET_FORM.matcher(part);
      if (eq.matches()) {
        boolean negate = eq.group(2).equals("!=");
        reqs.add(new Requirement(eq.group(1), negate ? Op.NOT_IN : Op.IN, Set.of(eq.group(3))));
      } else if (set.matches()) {
        String key = set.group(2);
        if (set.group(3) == null) {
          reqs.add(new Requirement(key, set.group(1).isEmpty() ? Op.EXISTS : Op.NOT_EXISTS, Set.of()));
        } else {
          if (!set.group(1).isEmpty()) {
            throw new IllegalArgumentException("label selector \"" + text + "\": '!' cannot be combined with "
                + set.group(3) + " in \"" + part.trim() + "\"");
          }
          Set<String> values = Set.copyOf(List.of(set.group(4).trim().split("\\s*,\\s*")));
          reqs.add(new Requirement(key, set.group(3).equals("in") ? Op.IN : Op.NOT_IN, values));
        }
      } else {
        throw new IllegalArgumentException("label selector \"" + text + "\": cannot read \"" + part.trim()
            + "\"; use key=value, key!=value, key in (a,b), key notin (a,b), key or !key");
      }
    }
    return new LabelSelector(List.copyOf(reqs), text.trim());
  }

  /** Equality on every entry of {@code labels} (the WorkloadSelector form). */
  public static LabelSelector of(Map<String, String> labels) {
    if (labels.isEmpty()) {
      return EVERYTHING;
    }
    List<Requirement> reqs = new ArrayList<>();
    StringBuilder sb = new StringBuilder();
    labels.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      reqs.add(new Requirement(e.getKey(), Op.IN, Set.of(e.getValue())));
      sb.append(sb.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue());
    });
    return new LabelSelector(List.copyOf(reqs), sb.toString());
  }

  private static List<String> splitTopLevel(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }

  public boolean isEverything() {
    return requirements.isEmpty();
  }

  public boolean matches(Map<String, String> labels) {
    for (Requirement r : requirements) {
      String v = labels.get(r.key);
      boolean ok = switch (r.op) {
        case IN -> v != null && r.values.contains(v);
        case NOT_IN -> v == null || !r.values.contains(v);
        case EXISTS -> v != null;
        case NOT_EXISTS -> v == null;
      };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }

  private enum Op {
    IN,
    NOT_IN,
    EXISTS,
    NOT_EXISTS
  }

  private record Requirement(String key, Op op, Set<String> values) {}
}
