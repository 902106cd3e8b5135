package dev.vmesh.store.kube;

import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceStatus;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.api.codec.ResourceWriter;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * {@code KubeObjects} converts between fabric8's untyped {@link GenericKubernetesResource} and vmesh's
 * {@link Resource}, through the same JSON codec the embedded store and the admin API use (vmesh
 * writes and reads Kubernetes-shaped JSON already). Decoding is strict: an object with fields vmesh
 * does not know is refused with the decoder's message.
 */
final class KubeObjects {
  private KubeObjects() {}

  /** The object as vmesh sees it; throws DecodeException when it has fields or values vmesh refuses. */
  static Resource toResource(GenericKubernetesResource raw) {
    String where = "kubernetes:" + raw.getKind() + "/" + raw.getMetadata().getNamespace() + "/"
        + raw.getMetadata().getName() + ".json";
    return ResourceDecoder.decodeOne(where, Serialization.asJson(raw));
  }

  /**
   * A new object for a create: name, namespace, labels, annotations, owner references and spec of
   * {@code r}, in {@code apiVersion}; no status (the API server ignores it on create) and none of the
   * fields the server assigns.
   */
  static GenericKubernetesResource forCreate(Resource r, String apiVersion) {
    Resource clean = new Resource(apiVersion, r.kind(), dev.vmesh.api.ObjectMeta.of(r.namespace(), r.name())
        .withLabels(r.metadata().labels())
        .withAnnotations(r.metadata().annotations())
        .withOwnerReferences(r.metadata().ownerReferences()), r.spec(), ResourceStatus.EMPTY);
    return Serialization.unmarshal(ResourceWriter.json(clean, false), GenericKubernetesResource.class);
  }

  /**
   * {@code base} (the object as the server has it) with labels, annotations, owner references and spec
   * replaced by those of {@code r}, and {@code resourceVersion} as the precondition. Fields vmesh does
   * not model (finalizers, managedFields, ...) stay as they are.
   */
  static GenericKubernetesResource forUpdate(GenericKubernetesResource base, Resource r, String resourceVersion) {
    GenericKubernetesResource out = copy(base);
    ObjectMeta m = out.getMetadata();
    m.setLabels(r.metadata().labels().isEmpty() ? null : r.metadata().labels());
    m.setAnnotations(r.metadata().annotations().isEmpty() ? null : r.metadata().annotations());
    m.setOwnerReferences(r.metadata().ownerReferences().isEmpty() ? null
        : r.metadata().ownerReferences().stream().map(KubeObjects::ownerReference).toList());
    m.setResourceVersion(resourceVersion);
    out.setAdditionalProperty("spec", ResourceEncoder.encode(r).get("spec"));
    return out;
  }

  /** {@code base} with the status of {@code r} (none when empty) and {@code resourceVersion} as the precondition. */
  static GenericKubernetesResource forStatus(GenericKubernetesResource base, Resource r, String resourceVersion) {
    GenericKubernetesResource out = copy(base);
    out.getMetadata().setResourceVersion(resourceVersion);
    Object status = ResourceEncoder.encode(r).get("status");
    if (status == null) {
      out.getAdditionalProperties().remove("status");
    } else {
      out.setAdditionalProperty("status", status);
    }
    return out;
  }

  private static io.fabric8.kubernetes.api.model.OwnerReference ownerReference(OwnerReference o) {
    return new OwnerReferenceBuilder()
        .withApiVersion(o.apiVersion())
        .withKind(o.kind())
        .withName(o.name())
        .withUid(o.uid())
        .withController(o.controller() ? Boolean.TRUE : null)
        .withBlockOwnerDeletion(o.blockOwnerDeletion() ? Boolean.TRUE : null)
        .build();
  }

  private static GenericKubernetesResource copy(GenericKubernetesResource r) {
    return Serialization.unmarshal(Serialization.asJson(r), GenericKubernetesResource.class);
  }
}
