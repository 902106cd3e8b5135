package dev.vmesh.registry.scope;

import java.util.Map;

/**
 * {@code SidecarChange} is what an update of Sidecars changed: the snapshots before and after. {@link #affects} is
 * exact: a workload's scope is different afterwards (another Sidecar, or another revision of its own).
 */
public record SidecarChange(Sidecars before, Sidecars after) {
  /** Nothing changed. */
  public static final SidecarChange NONE = new SidecarChange(Sidecars.NONE, Sidecars.NONE);

  public boolean isEmpty() {
    return before == after;
  }

  /** Whether the scope of a workload of {@code namespace} with {@code labels} changed. */
  public boolean affects(String namespace, Map<String, String> labels) {
    return !isEmpty() && !before.forWorkload(namespace, labels).equals(after.forWorkload(namespace, labels));
  }

  /** This change followed by {@code next}, as one. */
  public SidecarChange then(SidecarChange next) {
    if (next.isEmpty()) {
      return this;
    }
    return isEmpty() ? next : new SidecarChange(before, next.after);
  }
}
