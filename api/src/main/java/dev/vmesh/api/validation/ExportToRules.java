package dev.vmesh.api.validation;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** {@code ExportToRules} validates an {@code exportTo} list (a ServiceEntry's, a VirtualService's). */
final class ExportToRules {
  private ExportToRules() {}

  /** A ServiceEntry's exportTo, where {@code ~} (no namespace) is allowed. */
  static void validate(String namespace, List<String> exportTo, Findings f) {
    validate(namespace, exportTo, true, f);
  }

  /** {@code allowNone}: whether {@code ~} is allowed (Istio allows it on ServiceEntries only). */
  static void validate(String namespace, List<String> exportTo, boolean allowNone, Findings f) {
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
        case "~" -> {
          none = true;
          if (!allowNone) {
            f.error(path, "\"~\" (no namespace) is allowed on ServiceEntries only; use \".\", \"*\" or namespaces");
          }
        }
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
