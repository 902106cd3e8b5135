package dev.vmesh.api;

import java.util.Map;

/**
 * {@code WorkloadGroupSpec} is the spec of a WorkloadGroup: metadata and a template copied into every
 * WorkloadEntry registered for the group, and the readiness probe its agents run. {@code template}
 * and {@code probe} are null when absent.
 */
public record WorkloadGroupSpec(Metadata metadata, WorkloadEntrySpec template, ReadinessProbe probe)
    implements Spec {

  public WorkloadGroupSpec {
    metadata = metadata == null ? Metadata.EMPTY : metadata;
  }

  @Override
  public Kind kind() {
    return Kind.WORKLOAD_GROUP;
  }

  /** Labels and annotations copied to generated WorkloadEntries. */
  public record Metadata(Map<String, String> labels, Map<String, String> annotations) {
    public static final Metadata EMPTY = new Metadata(Map.of(), Map.of());

    public Metadata {
      labels = Maps.copy(labels);
      annotations = Maps.copy(annotations);
    }
  }
}
