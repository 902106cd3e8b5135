package dev.vmesh.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ObjectMeta} is the Kubernetes object metadata vmesh keeps for every resource.
 *
 * <p>Maps and lists are never null (empty when absent); strings are empty when absent;
 * {@code creationTimestamp} is null until a store assigns it.
 */
public record ObjectMeta(
    String name,
    String namespace,
    Map<String, String> labels,
    Map<String, String> annotations,
    String resourceVersion,
    long generation,
    String uid,
    Instant creationTimestamp,
    List<OwnerReference> ownerReferences) {

  /** The namespace objects land in when they name none. */
  public static final String DEFAULT_NAMESPACE = "default";

  public ObjectMeta {
    name = Objects.requireNonNullElse(name, "");
    namespace = namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
    labels = Maps.copy(labels);
    annotations = Maps.copy(annotations);
    resourceVersion = Objects.requireNonNullElse(resourceVersion, "");
    uid = Objects.requireNonNullElse(uid, "");
    ownerReferences = ownerReferences == null ? List.of() : List.copyOf(ownerReferences);
  }

  /** Metadata with just a name and namespace. */
  public static ObjectMeta of(String namespace, String name) {
    return new ObjectMeta(name, namespace, Map.of(), Map.of(), "", 0, "", null, List.of());
  }

  public ObjectMeta withName(String newName) {
    return new ObjectMeta(newName, namespace, labels, annotations, resourceVersion, generation, uid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withNamespace(String ns) {
    return new ObjectMeta(name, ns, labels, annotations, resourceVersion, generation, uid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withLabels(Map<String, String> newLabels) {
    return new ObjectMeta(name, namespace, newLabels, annotations, resourceVersion, generation, uid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withAnnotations(Map<String, String> newAnnotations) {
    return new ObjectMeta(name, namespace, labels, newAnnotations, resourceVersion, generation, uid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withResourceVersion(String rv) {
    return new ObjectMeta(name, namespace, labels, annotations, rv, generation, uid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withGeneration(long gen) {
    return new ObjectMeta(name, namespace, labels, annotations, resourceVersion, gen, uid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withUid(String newUid) {
    return new ObjectMeta(name, namespace, labels, annotations, resourceVersion, generation, newUid,
        creationTimestamp, ownerReferences);
  }

  public ObjectMeta withCreationTimestamp(Instant ts) {
    return new ObjectMeta(name, namespace, labels, annotations, resourceVersion, generation, uid,
        ts, ownerReferences);
  }

  public ObjectMeta withOwnerReferences(List<OwnerReference> refs) {
    return new ObjectMeta(name, namespace, labels, annotations, resourceVersion, generation, uid,
        creationTimestamp, refs);
  }
}
