package dev.vmesh.api.validation;

import dev.vmesh.api.codec.FieldPaths;
import java.util.Map;

/**
 * {@code SelectorRules} checks a workload selector's labels as Istio does (CRD schema and webhook): no
 * empty keys, no {@code *} in keys or values, values of at most 63 characters, a bounded number of
 * labels; an empty selector is only a warning (it selects every workload of the namespace).
 */
final class SelectorRules {
  private SelectorRules() {}

  /**
   * The labels at {@code labelsPath} (the selector itself at {@code selectorPath}); false when any is
   * invalid.
   */
  static boolean validate(String selectorPath, String labelsPath, Map<String, String> labels, int maxLabels,
      Findings f) {
    boolean ok = true;
    if (labels.size() > maxLabels) {
      f.error(labelsPath, "at most " + maxLabels + " labels are allowed, found " + labels.size());
      ok = false;
    }
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String where = FieldPaths.child(labelsPath, e.getKey());
      if (e.getKey().isEmpty()) {
        f.error(labelsPath, "empty key is not allowed in a workload selector");
        ok = false;
      } else if (e.getKey().contains("*")) {
        f.error(where, "wildcard is not allowed in a workload selector key");
        ok = false;
      }
      if (e.getValue().contains("*")) {
        f.error(where, "wildcard is not allowed in a workload selector value");
        ok = false;
      }
      if (e.getValue().length() > 63) {
        f.error(where, "a selector value must be at most 63 characters");
        ok = false;
      }
    }
    if (ok && labels.isEmpty()) {
      f.warning(selectorPath, "workload selector specified without labels: it selects every workload in the "
          + "namespace");
    }
    return ok;
  }
}
