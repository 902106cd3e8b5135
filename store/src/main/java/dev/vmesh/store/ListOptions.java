package dev.vmesh.store;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import java.util.Objects;

/**
 * {@code ListOptions} filters a list: one kind (or all when null), one namespace (or all when null),
 * and a label selector.
 */
public record ListOptions(Kind kind, String namespace, LabelSelector selector) {
  public ListOptions {
    selector = Objects.requireNonNullElse(selector, LabelSelector.EVERYTHING);
  }

  public static ListOptions all() {
    return new ListOptions(null, null, null);
  }

  public static ListOptions of(Kind kind) {
    return new ListOptions(kind, null, null);
  }

  public static ListOptions of(Kind kind, String namespace) {
    return new ListOptions(kind, namespace, null);
  }

  public boolean matches(Resource r) {
    return (kind == null || r.kind() == kind)
        && (namespace == null || r.namespace().equals(namespace))
        && selector.matches(r.metadata().labels());
  }
}
