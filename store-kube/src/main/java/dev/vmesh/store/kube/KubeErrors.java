package dev.vmesh.store.kube;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code KubeErrors} turns the Kubernetes API's refusals into the store's exceptions, with messages
 * that say what to do: a missing namespace or CRD, missing RBAC rights, an unreachable API server.
 * Conflicts (409) are left to the caller, which knows whether it created or updated.
 */
final class KubeErrors {
  private KubeErrors() {}

  static StoreException map(KubernetesClientException e, String action, ResourceKey key) {
    int code = e.getCode();
    String what = key == null ? "" : " " + key;
    String message = message(e);
    return switch (code) {
      case 404 -> notFound(e, action, key);
      case 410 -> new StoreException.Expired("Kubernetes: " + message + "; list and watch again");
      case 422 -> key == null ? new StoreException(422, "Kubernetes refused to " + action + ": " + message)
          : new StoreException.Invalid(key, problems(e.getStatus(), message));
      case 401, 403 -> new StoreException(403, "Kubernetes refused to " + action + what + ": " + message
          + "; give vmesh's service account (or kubeconfig user) get, list, watch, create, update, patch and"
          + " delete on " + istioResources() + " (and their /status),"
          + " create on tokenreviews.authentication.k8s.io, and in its own namespace get, list and create on"
          + " secrets and get, create, update and patch on leases.coordination.k8s.io");
      case 409 -> new StoreException(409, "Kubernetes: " + action + what + ": " + message);
      default -> new StoreException.Unavailable("Kubernetes API server: " + action + what + " failed"
          + (code > 0 ? " (HTTP " + code + "): " + message : ": no answer (" + rootCause(e) + ")"), e);
    };
  }

  /** The resources vmesh keeps, per group: {@code serviceentries, ... of networking.istio.io, ...}. */
  static String istioResources() {
    List<String> parts = new ArrayList<>();
    for (String group : Kind.groups()) {
      parts.add(Arrays.stream(Kind.values()).filter(k -> k.group().equals(group)).map(Kind::plural)
          .collect(Collectors.joining(", ")) + " of " + group);
    }
    return String.join(" and ", parts);
  }

  private static StoreException notFound(KubernetesClientException e, String action, ResourceKey key) {
    StatusDetails details = e.getStatus() == null ? null : e.getStatus().getDetails();
    String detailsKind = details == null ? null : details.getKind();
    if ("namespaces".equals(detailsKind)) {
      return new StoreException(404, "namespace \"" + details.getName() + "\" does not exist in the Kubernetes"
          + " cluster; create it first (kubectl create namespace " + details.getName() + ")");
    }
    if (key != null && detailsKind != null) {
      return new StoreException.NotFound(key);
    }
    String crd = key == null ? "Istio's CRDs" : key.kind().crdName();
    return new StoreException.Unavailable("Kubernetes does not serve " + crd + " (" + action + ": "
        + message(e) + "); were Istio's CRDs removed? Install them again", e);
  }

  private static List<Problem> problems(Status status, String message) {
    List<Problem> out = new ArrayList<>();
    if (status != null && status.getDetails() != null && status.getDetails().getCauses() != null) {
      for (StatusCause c : status.getDetails().getCauses()) {
        out.add(Problem.error(c.getField() == null ? "" : c.getField(), c.getMessage()));
      }
    }
    if (out.isEmpty()) {
      out.add(Problem.error("", "Kubernetes: " + message));
    }
    return out;
  }

  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.toString();
  }

  static String message(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root + ")";
  }
}
