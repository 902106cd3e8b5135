package dev.vmesh.cli;

import dev.vmesh.ca.TokenReviewer;
import dev.vmesh.store.ConfigStoreFactory;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.etcd.EtcdConfigStore;
import dev.vmesh.store.etcd.EtcdOptions;
import dev.vmesh.store.kube.KubeBlobs;
import dev.vmesh.store.kube.KubeConfigStore;
import dev.vmesh.store.kube.KubeLeadership;
import dev.vmesh.store.kube.KubeStoreOptions;
import dev.vmesh.store.kube.KubeTokenReviews;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code StoreFlags} are {@code vmesh server}'s flags choosing where state is kept: the embedded
 * database, etcd (several servers can share one), or Istio's CRDs in a Kubernetes cluster (which also
 * lets the CA accept service-account tokens through TokenReview).
 */
final class StoreFlags {
  /** How long a leader that stopped renewing its etcd lease keeps the lead. */
  static final java.time.Duration LEADER_TTL = java.time.Duration.ofSeconds(10);
  static final String EMBEDDED = "embedded";
  static final String KUBERNETES = "kubernetes";

  @Option(names = "--store", defaultValue = "${env:VMESH_STORE:-embedded}", paramLabel = "STORE",
      description = "Where objects are kept: 'embedded' (a database under --data-dir),"
          + " etcd://HOST:PORT[,HOST:PORT...] (several servers can share one etcd) or 'kubernetes' (Istio's"
          + " ServiceEntry, WorkloadEntry and WorkloadGroup resources in the cluster of --kubeconfig, or the one"
          + " vmesh runs in); env VMESH_STORE (default: embedded).")
  String store;

  @Option(names = "--allow-empty-store", defaultValue = "${env:VMESH_ALLOW_EMPTY_STORE:-false}",
      description = "Start even though the embedded store (<data-dir>/store.db) is missing or empty while the CA or"
          + " token keys in --data-dir show the server ran there before; without it the server refuses, as its"
          + " objects would be lost; env VMESH_ALLOW_EMPTY_STORE=true|false (default: false).")
  boolean allowEmptyStore;

  @Option(names = "--kubeconfig", defaultValue = "${env:VMESH_KUBECONFIG}", paramLabel = "FILE",
      description = "Kubeconfig for --store kubernetes; env VMESH_KUBECONFIG (default: $KUBECONFIG, ~/.kube/config,"
          + " else the pod's service account).")
  Path kubeconfig;

  @Option(names = "--kube-context", defaultValue = "${env:VMESH_KUBE_CONTEXT}", paramLabel = "NAME",
      description = "Context of the kubeconfig to use; env VMESH_KUBE_CONTEXT (default: its current context).")
  String kubeContext;

  @Option(names = "--kube-namespace", defaultValue = "${env:VMESH_KUBE_NAMESPACE}", paramLabel = "NS",
      description = "Namespace of the servers' leader Lease and shared Secrets (CA, token keys) with --store"
          + " kubernetes; env VMESH_KUBE_NAMESPACE (default: the kubeconfig context's namespace, or the pod's).")
  String kubeNamespace;

  private KubernetesClient client;

  @Option(names = "--etcd-prefix", defaultValue = "${env:VMESH_ETCD_PREFIX:-/vmesh/}", paramLabel = "PREFIX",
      description = "Key prefix of vmesh's objects in etcd; env VMESH_ETCD_PREFIX (default: /vmesh/).")
  String prefix;

  @Option(names = "--etcd-ca-file", defaultValue = "${env:VMESH_ETCD_CA_FILE}", paramLabel = "FILE",
      description = "PEM CA certificates to verify etcd's server certificate; turns on TLS; env VMESH_ETCD_CA_FILE.")
  Path caFile;

  @Option(names = "--etcd-cert-file", defaultValue = "${env:VMESH_ETCD_CERT_FILE}", paramLabel = "FILE",
      description = "PEM client certificate for etcd (with --etcd-key-file); turns on TLS; env VMESH_ETCD_CERT_FILE.")
  Path certFile;

  @Option(names = "--etcd-key-file", defaultValue = "${env:VMESH_ETCD_KEY_FILE}", paramLabel = "FILE",
      description = "PEM (PKCS#8) private key of --etcd-cert-file; env VMESH_ETCD_KEY_FILE.")
  Path keyFile;

  @Option(names = "--etcd-user", defaultValue = "${env:VMESH_ETCD_USER}", paramLabel = "USER",
      description = "etcd user, when etcd has authentication on (with --etcd-password-file); env VMESH_ETCD_USER.")
  String user;

  @Option(names = "--etcd-password-file", defaultValue = "${env:VMESH_ETCD_PASSWORD_FILE}", paramLabel = "FILE",
      description = "File holding the etcd user's password (one line); env VMESH_ETCD_PASSWORD_FILE.")
  Path passwordFile;

  @Option(names = "--etcd-timeout", defaultValue = "${env:VMESH_ETCD_TIMEOUT:-5s}", paramLabel = "DURATION",
      converter = Inputs.PositiveDuration.class,
      description = "How long one request to etcd may take; env VMESH_ETCD_TIMEOUT (default: 5s).")
  java.time.Duration timeout;

  /** Opens the store these flags name; the embedded one lives in {@code dataDir}. */
  ConfigStoreFactory factory(Path dataDir) {
    String s = store == null ? EMBEDDED : store.trim();
    if (!s.equals(KUBERNETES) && (kubeconfig != null || kubeContext != null || kubeNamespace != null)) {
      throw new IllegalArgumentException("--kubeconfig, --kube-context and --kube-namespace need --store kubernetes");
    }
    if (s.isEmpty() || s.equals(EMBEDDED)) {
      return dev.vmesh.controlplane.ServerOptions.embeddedStore(dataDir, allowEmptyStore);
    }
    if (s.equals(KUBERNETES)) {
      return new ConfigStoreFactory() {
        @Override
        public dev.vmesh.store.ConfigStore open(java.time.Clock clock) {
          return KubeConfigStore.connect(client(), true, KubeStoreOptions.DEFAULTS);
        }

        @Override
        public dev.vmesh.store.Leadership leadership(dev.vmesh.store.ConfigStore opened, String identity) {
          return KubeLeadership.start((KubeConfigStore) opened, namespace(), "server", identity);
        }

        @Override
        public java.util.Optional<dev.vmesh.store.Blobs> sharedBlobs(dev.vmesh.store.ConfigStore opened) {
          return java.util.Optional.of(new KubeBlobs(((KubeConfigStore) opened).client(), namespace()));
        }
      };
    }
    if (!s.startsWith(EtcdOptions.STORE_SCHEME)) {
      throw new IllegalArgumentException("--store \"" + s + "\" is none of 'embedded', etcd://HOST:PORT[,HOST:PORT...]"
          + " and 'kubernetes'");
    }
    EtcdOptions options = etcdOptions(s);
    return new ConfigStoreFactory() {
      @Override
      public dev.vmesh.store.ConfigStore open(java.time.Clock clock) {
        return EtcdConfigStore.connect(options, clock);
      }

      @Override
      public dev.vmesh.store.Leadership leadership(dev.vmesh.store.ConfigStore opened, String identity) {
        return dev.vmesh.store.etcd.EtcdLeadership.start((EtcdConfigStore) opened, "server", identity, LEADER_TTL);
      }

      @Override
      public java.util.Optional<dev.vmesh.store.Blobs> sharedBlobs(dev.vmesh.store.ConfigStore opened) {
        return java.util.Optional.of(new dev.vmesh.store.etcd.EtcdBlobs((EtcdConfigStore) opened));
      }
    };
  }

  EtcdOptions etcdOptions(String address) {
    boolean tls = caFile != null || certFile != null;
    EtcdOptions o = new EtcdOptions(EtcdOptions.parseStoreAddress(address, tls), prefix,
        timeout, null, null);
    if (tls) {
      o = o.withTls(new EtcdOptions.Tls(caFile, certFile, keyFile));
    } else if (keyFile != null) {
      throw new IllegalArgumentException("--etcd-key-file needs --etcd-cert-file");
    }
    if (user != null && !user.isBlank()) {
      if (passwordFile == null) {
        throw new IllegalArgumentException("--etcd-user needs --etcd-password-file");
      }
      o = o.withCredentials(new EtcdOptions.Credentials(user, readPassword(passwordFile)));
    } else if (passwordFile != null) {
      throw new IllegalArgumentException("--etcd-password-file needs --etcd-user");
    }
    return o;
  }

  private static String readPassword(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      return text.lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --etcd-password-file " + file + ": " + e.getMessage(), e);
    }
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

  /** Where the servers' Lease and Secrets live. */
  private String namespace() {
    if (kubeNamespace != null && !kubeNamespace.isBlank()) {
      return kubeNamespace.trim();
    }
    String ns = client().getNamespace();
    return ns == null || ns.isBlank() ? "default" : ns;
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
