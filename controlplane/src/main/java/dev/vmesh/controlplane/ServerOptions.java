package dev.vmesh.controlplane;

import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.ca.TokenReviewer;
import dev.vmesh.controlplane.autoregistration.AutoRegistrationOptions;
import dev.vmesh.http.HttpLimits;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.store.EmbeddedBackend;
import dev.vmesh.store.StoreBackend;
import dev.vmesh.xds.XdsOptions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code ServerOptions} configures {@link VmeshServer}.
 *
 * @param dataDir where the embedded store (when it is the store), the CA, the server certificate and the
 *     admin token live
 * @param configDir a directory of YAML/JSON config served read-only and watched, or null
 * @param httpAddress readiness, metrics, debug pages and the admin API; port 0 picks a free port; null for none
 * @param xdsPlaintextAddress plaintext xDS (15010), or null for none
 * @param xdsTlsAddress TLS xDS (15012), or null for none
 * @param serverNames DNS names (and IPs) put in the server's certificate
 * @param caDir the CA's files (Istio names); {@code <dataDir>/ca} when null, where a root is created
 *     at first start
 * @param caKeyType key type of a root vmesh creates
 * @param autoRegistration auto-registration and health-check settings (replica name, grace period, ...)
 * @param configPollInterval how often the config directory is rescanned
 * @param store opens the backend the server keeps its state in (its store, with the config directory
 *     layered over it, its leadership and shared blobs); null means the embedded durable store in
 *     {@code dataDir}
 * @param secretsKeyFile the key (32 random bytes, base64) that seals the CA and token keys in a store
 *     several replicas share; every replica needs the same file; unused with the embedded store
 * @param tokenReviewer when the server runs on Kubernetes, asks the API server about service-account
 *     tokens so that the CA accepts them (audience istio-ca); null for none
 * @param httpLimits connections, timeouts and sizes of the HTTP port; null means {@link HttpLimits#SERVER}
 */
public record ServerOptions(Path dataDir, Path configDir, InetSocketAddress httpAddress,
    InetSocketAddress xdsPlaintextAddress, InetSocketAddress xdsTlsAddress, List<String> serverNames,
    Path caDir, CertificateAuthority.KeyType caKeyType, RegistryOptions registry, XdsOptions xds,
    AutoRegistrationOptions autoRegistration, Duration configPollInterval,
    StoreBackend.Opener store, Path secretsKeyFile, TokenReviewer tokenReviewer, HttpLimits httpLimits) {

  public static final int HTTP_PORT = 15014;
  public static final int XDS_PLAINTEXT_PORT = 15010;
  public static final int XDS_TLS_PORT = 15012;
  public static final List<String> DEFAULT_SERVER_NAMES = List.of("vmesh-server", "istiod.istio-system.svc",
      "istiod", "localhost", "127.0.0.1");

  public ServerOptions {
    if (store == null) {
      store = EmbeddedBackend.opener(dataDir, false);
    }
    if (httpLimits == null) {
      httpLimits = HttpLimits.SERVER;
    }
  }

  /** These options with the state kept in the backend {@code factory} opens. */
  public ServerOptions withStore(StoreBackend.Opener factory) {
    return new ServerOptions(dataDir, configDir, httpAddress, xdsPlaintextAddress, xdsTlsAddress, serverNames, caDir,
        caKeyType, registry, xds, autoRegistration, configPollInterval, factory, secretsKeyFile, tokenReviewer,
        httpLimits);
  }

  /** These options with {@code file} as the key that seals secrets in a shared store. */
  public ServerOptions withSecretsKeyFile(Path file) {
    return new ServerOptions(dataDir, configDir, httpAddress, xdsPlaintextAddress, xdsTlsAddress, serverNames, caDir,
        caKeyType, registry, xds, autoRegistration, configPollInterval, store, file, tokenReviewer,
        httpLimits);
  }

  /** These options with Kubernetes service-account tokens accepted by the CA, as {@code reviewer} judges them. */
  public ServerOptions withTokenReviewer(TokenReviewer reviewer) {
    return new ServerOptions(dataDir, configDir, httpAddress, xdsPlaintextAddress, xdsTlsAddress, serverNames, caDir,
        caKeyType, registry, xds, autoRegistration, configPollInterval, store, secretsKeyFile, reviewer,
        httpLimits);
  }

  /** These options with the HTTP port's limits set to {@code limits}. */
  public ServerOptions withHttpLimits(HttpLimits limits) {
    return new ServerOptions(dataDir, configDir, httpAddress, xdsPlaintextAddress, xdsTlsAddress, serverNames, caDir,
        caKeyType, registry, xds, autoRegistration, configPollInterval, store, secretsKeyFile, tokenReviewer, limits);
  }

  /** Loopback-only options on free ports (plaintext xDS on too), for tests and tools. */
  public static ServerOptions local(Path dataDir, Path configDir) {
    return new ServerOptions(dataDir, configDir, new InetSocketAddress("127.0.0.1", 0),
        new InetSocketAddress("127.0.0.1", 0), new InetSocketAddress("127.0.0.1", 0), DEFAULT_SERVER_NAMES,
        null, CertificateAuthority.KeyType.EC_P256, RegistryOptions.DEFAULTS,
        new XdsOptions(Duration.ofMillis(10), Duration.ofMillis(100), 2),
        AutoRegistrationOptions.defaults("vmesh-local", "cluster.local"),
        Duration.ofMillis(100), null, null, null, null);
  }
}
