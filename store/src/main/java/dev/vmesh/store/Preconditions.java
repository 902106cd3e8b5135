package dev.vmesh.store;

import java.util.Objects;

/** {@code Preconditions} for a delete: the object's resourceVersion and/or uid must match when given. */
public record Preconditions(String resourceVersion, String uid) {
  public static final Preconditions NONE = new Preconditions("", "");

  public Preconditions {
    resourceVersion = Objects.requireNonNullElse(resourceVersion, "");
    uid = Objects.requireNonNullElse(uid, "");
  }

  public static Preconditions resourceVersion(String rv) {
    return new Preconditions(rv, "");
  }
}
