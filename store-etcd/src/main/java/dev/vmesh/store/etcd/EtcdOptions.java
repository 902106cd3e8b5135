package dev.vmesh.store.etcd;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * {@code EtcdOptions} says how to reach etcd and where vmesh's keys live there.
 *
 * @param endpoints client URLs of etcd members ({@code http://host:port}, or {@code https://} with TLS)
 * @param keyPrefix every key vmesh writes starts with this; ends with {@code /}
 * @param requestTimeout how long one request to etcd may take before the store reports it unavailable
 * @param tls CA and client certificate, or null for plaintext
 * @param credentials etcd user and password, or null when etcd has no authentication
 */
public record EtcdOptions(List<URI> endpoints, String keyPrefix, Duration requestTimeout, Tls tls,
    Credentials credentials) {

  public static final String DEFAULT_PREFIX = "/vmesh/";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** The scheme of {@code --store etcd://host:port[,host:port]}. */
  public static final String STORE_SCHEME = "etcd://";

  /**
   * TLS to etcd.
   *
   * @param caFile PEM certificates that sign etcd's server certificate, or null for the JDK's trust store
   * @param certFile this client's PEM certificate chain, or null for none (needs {@code keyFile})
   * @param keyFile the PEM (PKCS#8) private key of {@code certFile}, or null
   */
  public record Tls(Path caFile, Path certFile, Path keyFile) {
    public Tls {
      if ((certFile == null) != (keyFile == null)) {
        throw new IllegalArgumentException("a client certificate for etcd needs both a certificate file and a key"
            + " file (--etcd-cert-file and --etcd-key-file)");
      }
    }
  }

  /** An etcd user and its password. */
  public record Credentials(String user, String password) {
    public Credentials {
      if (user == null || user.isBlank()) {
        throw new IllegalArgumentException("the etcd user is empty");
      }
      Objects.requireNonNull(password, "password");
    }

    @Override
    public String toString() {
      return "Credentials[user=" + user + ", password=(hidden)]";
    }
  }

  public EtcdOptions {
    if (endpoints == null || endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint given; use etcd://HOST:PORT[,HOST:PORT...]");
    }
    endpoints = List.copyOf(endpoints);
    for (URI u : endpoints) {
      if (u.getHost() == null || u.getPort() < 0 || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
        throw new IllegalArgumentException("etcd endpoint \"" + u + "\" must be http://HOST:PORT or https://HOST:PORT");
      }
    }
    keyPrefix = keyPrefix == null || keyPrefix.isEmpty() ? DEFAULT_PREFIX : keyPrefix;
    if (!keyPrefix.endsWith("/")) {
      keyPrefix = keyPrefix + "/";
    }
    requestTimeout = requestTimeout == null ? DEFAULT_TIMEOUT : requestTimeout;
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("the etcd request timeout must be positive, not " + requestTimeout);
    }
  }

  /** Plaintext, no authentication, default prefix and timeout. */
  public static EtcdOptions of(String... endpoints) {
    return new EtcdOptions(Arrays.stream(endpoints).map(URI::create).toList(), null, null, null, null);
  }

  /**
   * Endpoints from a store address {@code etcd://host:port[,host:port...]}: {@code https} when
   * {@code tls}, else {@code http}. A host without a port gets etcd's 2379.
   */
  public static List<URI> parseStoreAddress(String address, boolean tls) {
    if (address == null || !address.startsWith(STORE_SCHEME)) {
      throw new IllegalArgumentException("store \"" + address + "\" is not etcd://HOST:PORT[,HOST:PORT...]");
    }
    String rest = address.substring(STORE_SCHEME.length());
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    List<URI> out = new ArrayList<>();
    for (String hostPort : rest.split(",")) {
      String hp = hostPort.trim();
      if (hp.isEmpty()) {
        throw new IllegalArgumentException("store \"" + address + "\" has an empty endpoint; use etcd://HOST:PORT[,HOST:PORT...]");
      }
      boolean hasPort = hp.startsWith("[") ? hp.contains("]:") : hp.indexOf(':') >= 0 && hp.indexOf(':') == hp.lastIndexOf(':');
      try {
        URI u = new URI((tls ? "https://" : "http://") + hp + (hasPort ? "" : ":2379"));
        if (u.getHost() == null || u.getPort() < 0 || (u.getPath() != null && !u.getPath().isEmpty())) {
          throw new URISyntaxException(hp, "not HOST:PORT");
        }
        out.add(u);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("etcd endpoint \"" + hp + "\" in store \"" + address + "\" is not HOST:PORT");
      }
    }
    return out;
  }

  public EtcdOptions withKeyPrefix(String prefix) {
    return new EtcdOptions(endpoints, prefix, requestTimeout, tls, credentials);
  }

  public EtcdOptions withRequestTimeout(Duration timeout) {
    return new EtcdOptions(endpoints, keyPrefix, timeout, tls, credentials);
  }

  public EtcdOptions withTls(Tls newTls) {
    return new EtcdOptions(endpoints, keyPrefix, requestTimeout, newTls, credentials);
  }

  public EtcdOptions withCredentials(Credentials newCredentials) {
    return new EtcdOptions(endpoints, keyPrefix, requestTimeout, tls, newCredentials);
  }

  /** The endpoints as one string for messages, e.g. {@code http://10.0.0.1:2379,http://10.0.0.2:2379}. */
  public String endpointList() {
    return endpoints.stream().map(URI::toString).collect(Collectors.joining(","));
  }
}
