package dev.vmesh.store.kube;

import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code KubeCluster} is the Kubernetes cluster a server keeps its state in, reached through one client
 * that is made when first needed (so naming a cluster connects to nothing): the store, the leader
 * Lease, the shared Secrets and the token reviews all use it.
 */
public final class KubeCluster {
  private final Path kubeconfig;
  private final String context;
  private final String namespace;
  private KubernetesClient client;

  /**
   * @param kubeconfig the kubeconfig file; null: fabric8's search ($KUBECONFIG, ~/.kube/config, else the
   *     pod's service account)
   * @param context the kubeconfig's context; null: its current context
   * @param namespace where the servers' Lease and shared Secrets live; null or blank: the context's
   *     namespace, or the pod's, else {@code default}
   */
  public KubeCluster(Path kubeconfig, String context, String namespace) {
    this.kubeconfig = kubeconfig;
    this.context = context;
    this.namespace = namespace;
  }

  /** The client, made on first use; throws {@link StoreException.Unavailable} when the kubeconfig is not usable. */
  public synchronized KubernetesClient client() {
    if (client == null) {
      Config config = config();
      // fail a request after about a second of refused connections; informers and callers retry themselves
      config.setRequestRetryBackoffLimit(3);
      client = new KubernetesClientBuilder().withConfig(config).build();
    }
    return client;
  }

  /** Where the servers' Lease and Secrets live. */
  public String namespace() {
    if (namespace != null && !namespace.isBlank()) {
      return namespace.trim();
    }
    String ns = client().getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
  }

  /** Asks the API server about {@code token} (see {@link KubeTokenReviews}). */
  public KubeTokenReviews.Review reviewToken(String token, List<String> audiences) {
    return new KubeTokenReviews(client()).review(token, audiences);
  }

  private Config config() {
    if (kubeconfig == null) {
      return Config.autoConfigure(context);
    }
    try {
      return Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
    } catch (IOException e) {
      throw new StoreException.Unavailable("cannot read --kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new StoreException.Unavailable("--kubeconfig " + kubeconfig + (context == null ? "" : " (context "
          + context + ")") + " is not usable: " + e.getMessage(), e);
    }
  }
}
