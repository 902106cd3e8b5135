package dev.vmesh.cli;

import dev.vmesh.ca.TokenReviewer;
import dev.vmesh.store.EmbeddedBackend;
import dev.vmesh.store.StoreBackend;
import dev.vmesh.store.etcd.EtcdBackend;
import dev.vmesh.store.etcd.EtcdOptions;
import dev.vmesh.store.kube.KubeBackend;
import dev.vmesh.store.kube.KubeCluster;
import dev.vmesh.store.kube.KubeStoreOptions;
import dev.vmesh.store.kube.KubeTokenReviews;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code StoreFlags} are {@code vmesh server}'s flags choosing where state is kept: the embedded
 * database, etcd (several servers can share one), or Istio's CRDs in a Kubernetes cluster (which also
 * lets the CA accept service-account tokens through TokenReview).
 */
final class StoreFlags {
  static final String EMBEDDED = "embedded";
  static final String KUBERNETES = "kubernetes";

  @Option(names = "--store", defaultValue = "${env:VMESH_STORE:-embedded}", paramLabel = "STORE",
      description = "Where objects are kept: 'embedded' (a database under --data-dir),"
          + " etcd://HOST:PORT[,HOST:PORT...] (several servers can share one etcd) or 'kubernetes' (Istio's"
          + " custom resources of the kinds vmesh reads, in the cluster of --kubeconfig, or the one"
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

  private KubeCluster cluster;

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
  Duration timeout;

  /** The backend these flags name, opened when the server starts; the embedded one lives in {@code dataDir}. */
  StoreBackend.Opener backend(Path dataDir) {
    String s = store == null ? EMBEDDED : store.trim();
    if (!s.equals(KUBERNETES) && (kubeconfig != null || kubeContext != null || kubeNamespace != null)) {
      throw new IllegalArgumentException("--kubeconfig, --kube-context and --kube-namespace need --store kubernetes");
    }
    if (s.isEmpty() || s.equals(EMBEDDED)) {
      return EmbeddedBackend.opener(dataDir, allowEmptyStore);
    }
    if (s.equals(KUBERNETES)) {
      return KubeBackend.opener(cluster(), KubeStoreOptions.DEFAULTS);
    }
    if (!s.startsWith(EtcdOptions.STORE_SCHEME)) {
      throw new IllegalArgumentException("--store \"" + s + "\" is none of 'embedded', etcd://HOST:PORT[,HOST:PORT...]"
          + " and 'kubernetes'");
    }
    return EtcdBackend.opener(etcdOptions(s));
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
    KubeCluster cluster = cluster();
    return (token, audiences) -> {
      KubeTokenReviews.Review r = cluster.reviewToken(token, audiences);
      return new TokenReviewer.Review(r.authenticated(), r.username(), r.groups(), r.audiences(), r.error());
    };
  }

  /** One cluster (and client, made when first needed) for the store and the token reviews. */
  private synchronized KubeCluster cluster() {
    if (cluster == null) {
      cluster = new KubeCluster(kubeconfig, kubeContext, kubeNamespace);
    }
    return cluster;
  }
}
