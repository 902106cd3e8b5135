package dev.vmesh.store.kube;

import dev.vmesh.api.Kind;
import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code IstioCrds} finds, for each kind vmesh keeps, the version of Istio's CRD the cluster serves
 * (in the order of {@link Kind#versions()}: v1 first), by listing at most one object of each.
 * A kind the cluster serves in none of them means Istio's CRDs are not installed: the error names the
 * missing CRDs and how to install them.
 */
final class IstioCrds {
  private final Map<Kind, ResourceDefinitionContext> contexts;

  private IstioCrds(Map<Kind, ResourceDefinitionContext> contexts) {
    this.contexts = contexts;
  }

  static ResourceDefinitionContext context(Kind kind, String version) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(kind.group())
        .withVersion(version)
        .withKind(kind.kindName())
        .withPlural(kind.plural())
        .withNamespaced(true)
        .build();
  }

  /** Asks the cluster which versions it serves; throws Unavailable naming every missing CRD. */
  static IstioCrds discover(KubernetesClient client) {
    Map<Kind, ResourceDefinitionContext> found = new EnumMap<>(Kind.class);
    List<String> missing = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (String version : kind.versions()) {
        ResourceDefinitionContext ctx = context(kind, version);
        try {
          client.genericKubernetesResources(ctx).inAnyNamespace().list(
              new ListOptionsBuilder().withLimit(1L).build());
          found.put(kind, ctx);
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            throw KubeErrors.map(e, "list " + kind.crdName() + " at " + client.getMasterUrl(), null);
          }
        }
      }
      if (!found.containsKey(kind)) {
        missing.add(kind.crdName());
      }
    }
    if (!missing.isEmpty()) {
      throw new StoreException.Unavailable("the Kubernetes cluster at " + client.getMasterUrl()
          + " does not serve Istio's CRD" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
          + " (in any version vmesh reads); install Istio's CRDs first, e.g."
          + " 'istioctl install' or 'helm install istio-base istio/base -n istio-system --create-namespace'",
          null);
    }
    return new IstioCrds(found);
  }

  ResourceDefinitionContext context(Kind kind) {
    return contexts.get(kind);
  }

  /** The apiVersion objects of {@code kind} are read and written in, e.g. {@code networking.istio.io/v1}. */
  String apiVersion(Kind kind) {
    return kind.group() + "/" + contexts.get(kind).getVersion();
  }

  String describe() {
    List<String> parts = new ArrayList<>();
    contexts.forEach((k, c) -> parts.add(k.plural() + "/" + c.getVersion()));
    return String.join(",", parts);
  }
}
