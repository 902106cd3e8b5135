package dev.vmesh.api;

import java.util.Map;

/** {@code WorkloadSelector} picks WorkloadEntries by label equality (all labels must match). */
public record WorkloadSelector(Map<String, String> labels) {
  public WorkloadSelector {
    labels = Maps.copy(labels);
  }

  /** True when every selector label is present in {@code candidate} with the same value. */
  public boolean matches(Map<String, String> candidate) {
    for (Map.Entry<String, String> e : labels.entrySet()) {
      if (!e.getValue().equals(candidate.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
