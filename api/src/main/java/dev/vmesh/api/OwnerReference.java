package dev.vmesh.api;

import java.util.Objects;

/** {@code OwnerReference} points from a dependent object to the object that owns it. */
public record OwnerReference(
    String apiVersion, String kind, String name, String uid, boolean controller, boolean blockOwnerDeletion) {

  public OwnerReference {
    apiVersion = Objects.requireNonNullElse(apiVersion, "");
    kind = Objects.requireNonNullElse(kind, "");
    name = Objects.requireNonNullElse(name, "");
    uid = Objects.requireNonNullElse(uid, "");
  }
}
