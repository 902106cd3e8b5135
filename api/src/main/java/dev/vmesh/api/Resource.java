package dev.vmesh.api;

import java.util.Objects;

/**
 * {@code Resource} is one Istio object in Kubernetes shape: apiVersion, kind, metadata, spec, status.
 * The spec's type matches {@code kind}. This is the value every store, the registry and the CLI pass
 * around; it is immutable.
 */
public record Resource(String apiVersion, Kind kind, ObjectMeta metadata, Spec spec, ResourceStatus status) {

  public Resource {
    Objects.requireNonNull(kind, "kind");
    apiVersion = apiVersion == null || apiVersion.isEmpty() ? kind.defaultApiVersion() : apiVersion;
    Objects.requireNonNull(metadata, "metadata");
    Objects.requireNonNull(spec, "spec");
    if (spec.kind() != kind) {
      throw new IllegalArgumentException("spec of kind " + spec.kind() + " on a " + kind);
    }
    status = status == null ? ResourceStatus.EMPTY : status;
  }

  /** A resource at its kind's default apiVersion with empty status. */
  public static Resource of(ObjectMeta metadata, Spec spec) {
    return new Resource(spec.kind().defaultApiVersion(), spec.kind(), metadata, spec, ResourceStatus.EMPTY);
  }

  public ResourceKey key() {
    return new ResourceKey(kind, metadata.namespace(), metadata.name());
  }

  public String name() {
    return metadata.name();
  }

  public String namespace() {
    return metadata.namespace();
  }

  public String resourceVersion() {
    return metadata.resourceVersion();
  }

  /** The spec as the given type; throws if the kind differs. */
  public <S extends Spec> S spec(Class<S> type) {
    return type.cast(spec);
  }

  public Resource withMetadata(ObjectMeta newMetadata) {
    return new Resource(apiVersion, kind, newMetadata, spec, status);
  }

  public Resource withSpec(Spec newSpec) {
    return new Resource(apiVersion, kind, metadata, newSpec, status);
  }

  public Resource withStatus(ResourceStatus newStatus) {
    return new Resource(apiVersion, kind, metadata, spec, newStatus);
  }

  @Override
  public String toString() {
    return kind.kindName() + " " + metadata.namespace() + "/" + metadata.name()
        + (metadata.resourceVersion().isEmpty() ? "" : "@" + metadata.resourceVersion());
  }
}
