package dev.vmesh.cli;

import dev.vmesh.ca.TokenReviewer;
import dev.vmesh.store.ConfigStoreFactory;
import dev.vmesh.store.ConfigStores;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.kube.KubeConfigStore;
import dev.vmesh.store.kube.KubeStoreOptions;
import dev.vmesh.store.kube.KubeTokenReviews;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code StoreFlags} are {@code vmesh server}'s flags choosing where state is kept: the embedded
 * database, or Istio's CRDs in a Kubernetes cluster (which also lets the CA accept service-account
 * tokens through TokenReview).
 */
final class StoreFlags {
  static final String EMBEDDED = "embedded";
  static final String KUBERNETES = "kubernetes";

  @Option(names = "--store", defaultValue = "${env:VMESH_STORE:-embedded}", paramLabel = "STORE",
      description = "Where objects are kept: 'embedded' (a database under --data-dir) or 'kubernetes' (Istio's"
          + " ServiceEntry, WorkloadEntry and WorkloadGroup resources in the cluster of --kubeconfig, or the one"
          + " vmesh runs in); env VMESH_STORE (default: embedded).")
  String store;

  @Option(names = "--kubeconfig", defaultValue = "${env:VMESH_KUBECONFIG}", paramLabel = "FILE",
      description = "Kubeconfig for --store kubernetes; env VMESH_KUBECONFIG (default: $KUBECONFIG, ~/.kube/config,"
          + " else the pod's service account).")
  Path kubeconfig;

  @Option(names = "--kube-context", defaultValue = "${env:VMESH_KUBE_CONTEXT}", paramLabel = "NAME",
      description = "Context of the kubeconfig to use; env VMESH_KUBE_CONTEXT (default: its current context).")
  String kubeContext;

  private KubernetesClient client;

  /** Opens the store these flags name; the embedded one lives in {@code dataDir}. */
  ConfigStoreFactory factory(Path dataDir) {
    String s = store == null ? EMBEDDED : store.trim();
    if (s.isEmpty() || s.equals(EMBEDDED)) {
      if (kubeconfig != null || kubeContext != null) {
        throw new IllegalArgumentException("--kubeconfig and --kube-context need --store kubernetes");
      }
      return clock -> ConfigStores.durable(dataDir, clock);
    }
    if (!s.equals(KUBERNETES)) {
      throw new IllegalArgumentException("--store \"" + s + "\" is neither 'embedded' nor 'kubernetes'");
    }
    return clock -> KubeConfigStore.connect(client(), true, KubeStoreOptions.DEFAULTS);
  }

  /** With --store kubernetes, the API server's TokenReview; else null. */
  TokenReviewer tokenReviewer() {
    if (store == null || !store.trim().equals(KUBERNETES)) {
      return null;
    }
    return (token, audiences) -> {
      var status = new KubeTokenReviews(client()).review(token, audiences);
      var user = status.getUser();
      return new TokenReviewer.Review(Boolean.TRUE.equals(status.getAuthenticated()),
          user == null ? "" : user.getUsername(), user == null ? null : user.getGroups(), status.getAudiences(),
          status.getError());
    };
  }

  /** One client for the store and the token reviews, made when first needed. */
  private synchronized KubernetesClient client() {
    if (client == null) {
      Config config = config();
      // fail a request after about a second of refused connections; informers and callers retry themselves
      config.setRequestRetryBackoffLimit(3);
      client = new KubernetesClientBuilder().withConfig(config).build();
    }
    return client;
  }

  private Config config() {
    if (kubeconfig == null) {
      return Config.autoConfigure(kubeContext);
    }
    try {
      return Config.fromKubeconfig(kubeContext, Files.readString(kubeconfig), kubeconfig.toString());
    } catch (IOException e) {
      throw new StoreException.Unavailable("cannot read --kubeconfig " + kubeconfig + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new StoreException.Unavailable("--kubeconfig " + kubeconfig + (kubeContext == null ? "" : " (context "
          + kubeContext + ")") + " is not usable: " + e.getMessage(), e);
    }
  }
}
