package dev.vmesh.api;

import java.util.Comparator;
import java.util.Objects;

/** {@code ResourceKey} identifies an object: kind, namespace, name. Orders by kind, namespace, name. */
public record ResourceKey(Kind kind, String namespace, String name) implements Comparable<ResourceKey> {
  private static final Comparator<ResourceKey> ORDER = Comparator.comparing(ResourceKey::kind)
      .thenComparing(ResourceKey::namespace)
      .thenComparing(ResourceKey::name);

  public ResourceKey {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  @Override
  public int compareTo(ResourceKey o) {
    return ORDER.compare(this, o);
  }

  /** {@code namespace/name}, the form users type and logs print. */
  public String namespacedName() {
    return namespace + "/" + name;
  }

  @Override
  public String toString() {
    return kind.kindName() + " " + namespacedName();
  }
}
