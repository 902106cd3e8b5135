package dev.vmesh.api.validation;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code ExportToRules} validates a ServiceEntry's {@code exportTo} list. */
final class ExportToRules {
  private ExportToRules() {}

  static void validate(String namespace, List<String> exportTo, Findings f) {
    Set<String> seen = new HashSet<>();
    boolean all = false;
    boolean none = false;
    for (int i = 0; i < exportTo.size(); i++) {
      String e = exportTo.get(i);
      String path = "spec.exportTo[" + i + "]";
      String key = e.equals(".") ? namespace : e;
      if (!seen.add(key)) {
        f.error(path, e.equals(".") || e.equals(namespace)
            ? "duplicate entries in exportTo: \".\" and the object's own namespace \"" + namespace
                + "\" mean the same; keep one"
            : "duplicate entry \"" + e + "\" in exportTo; keep one");
        continue;
      }
      switch (e) {
        case "*" -> all = true;
        case "~" -> none = true;
        case "." -> { }
        default -> {
          if (!Names.isDns1123Label(e)) {
            f.error(path, "\"" + e + "\" is not a namespace name; use \".\", \"*\", \"~\" or a namespace");
          }
        }
      }
    }
    if (all && exportTo.size() > 1) {
      f.error("spec.exportTo", "\"*\" (all namespaces) cannot be combined with other entries");
    }
    if (none && exportTo.size() > 1) {
      f.error("spec.exportTo", "\"~\" (no namespace) cannot be combined with other entries");
    }
  }
}
