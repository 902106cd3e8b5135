package dev.vmesh.agent.identity;

import dev.vmesh.api.time.Timer;
import dev.vmesh.pki.Csrs;
import dev.vmesh.pki.KeyPairs;
import dev.vmesh.pki.Pem;
import dev.vmesh.pki.SpiffeId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code CertManager} keeps the workload's certificate current: it generates a key and a CSR for the
 * workload's SPIFFE id, gets it signed by the mesh CA, and writes {@code cert-chain.pem},
 * {@code key.pem} (mode 0600) and {@code root-cert.pem} atomically. It renews at half the lifetime
 * (plus or minus 1% jitter) using the current certificate as credentials, so the bootstrap token is
 * needed only once; it falls back to the token only when the certificate is gone, expired or refused.
 * When the CA cannot be reached it retries with exponential backoff and keeps the old files in place
 * until they expire.
 */
public final class CertManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CertManager.class);

  /** Settings; the defaults are Istio's. */
  public record Options(Path certDir, SpiffeId identity, Path tokenFile, Path trustBundle, Duration ttl,
      double graceRatio, double jitter, Duration minBackoff, Duration maxBackoff) {
    public static Options defaults(Path certDir, SpiffeId identity, Path tokenFile, Path trustBundle) {
      return new Options(certDir, identity, tokenFile, trustBundle, Duration.ofHours(24), 0.5, 0.01,
          Duration.ofSeconds(1), Duration.ofMinutes(5));
    }
  }

  /** What the manager knows now, for readiness and metrics. */
  public record Status(Instant notAfter, Instant nextRenewal, int failuresInARow, String lastError) {}

  private final Options options;
  private final CaClient client;
  private final Clock clock;
  private final Timer timer;
  private final Random random;
  private final CompletableFuture<Void> firstCertificate = new CompletableFuture<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private Timer.Handle next;
  private Instant notAfter;
  private Instant nextRenewal;
  private int failures;
  private String lastError = "";
  private boolean closed;

  public CertManager(Options options, CaClient client, Clock clock, Timer timer, Random random) {
    this.options = options;
    this.client = client;
    this.clock = clock;
    this.timer = timer;
    this.random = random;
  }

  public Path certChain() {
    return options.certDir().resolve("cert-chain.pem");
  }

  public Path key() {
    return options.certDir().resolve("key.pem");
  }

  public Path rootCert() {
    return options.certDir().resolve("root-cert.pem");
  }

  /** Uses valid certificate files already on disk, or fetches now; then keeps them renewed. */
  public void start() {
    X509Certificate current = currentLeaf();
    synchronized (lock) {
      if (current != null && clock.instant().isBefore(current.getNotAfter().toInstant())) {
        notAfter = current.getNotAfter().toInstant();
        firstCertificate.complete(null);
        scheduleRenewal(current);
        return;
      }
    }
    renew();
  }

  /** Runs {@code listener} after every new certificate is on disk (not for the one found at start). */
  public void onNewCertificate(Runnable listener) {
    listeners.add(listener);
  }

  /** Completes when valid certificate files exist. */
  public CompletableFuture<Void> firstCertificate() {
    return firstCertificate;
  }

  public Status status() {
    synchronized (lock) {
      return new Status(notAfter, nextRenewal, failures, lastError);
    }
  }

  /** Fetches a new certificate now (also what the timer runs). */
  public void renew() {
    try {
      fetch();
      X509Certificate leaf = currentLeaf();
      synchronized (lock) {
        failures = 0;
        lastError = "";
        notAfter = leaf.getNotAfter().toInstant();
        firstCertificate.complete(null);
        scheduleRenewal(leaf);
      }
      LOG.info("event=certificate_renewed identity={} expires={}", options.identity(), leaf.getNotAfter().toInstant());
      for (Runnable l : listeners) {
        try {
          l.run();
        } catch (RuntimeException e) {
          LOG.warn("event=certificate_listener_failed error=\"{}\"", e.toString());
        }
      }
    } catch (Exception e) {
      Duration backoff;
      synchronized (lock) {
        failures++;
        lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        long base = options.minBackoff().toMillis() << Math.min(20, failures - 1);
        long capped = Math.min(base, options.maxBackoff().toMillis());
        // 1 s, 2 s, 4 s ... up to the maximum, each stretched by up to half again so VMs do not retry in step
        backoff = Duration.ofMillis(Math.min(options.maxBackoff().toMillis(),
            capped + (long) (random.nextDouble() * (capped / 2.0))));
        schedule(backoff);
      }
      LOG.warn("event=certificate_renewal_failed identity={} failures={} retry_in={} error=\"{}\"", options.identity(),
          failures, backoff, lastError);
    }
  }

  private void fetch() throws Exception {
    KeyPair keys = KeyPairs.ecP256();
    String csr = Csrs.create(keys, options.identity().uri());
    List<String> chain;
    X509Certificate current = currentLeaf();
    boolean haveValidCert = current != null && clock.instant().isBefore(current.getNotAfter().toInstant());
    if (haveValidCert) {
      try {
        chain = client.createCertificate(csr, options.ttl(), CaClient.Credentials.certificate(certChain(), key()));
      } catch (Exception refused) {
        String token = readToken();
        if (token == null) {
          if (!isRefusal(refused)) {
            throw refused;
          }
          throw new IOException("the CA refused the certificate in " + options.certDir() + " (" + refused.getMessage()
              + ") and there is no bootstrap token in " + options.tokenFile() + " to fall back on; " + tokenHint(),
              refused);
        }
        LOG.warn("event=renewal_with_certificate_refused action=use_bootstrap_token error=\"{}\"", refused.getMessage());
        chain = withToken(csr, token);
      }
    } else {
      String token = readToken();
      if (token == null) {
        throw new IOException("no valid certificate in " + options.certDir() + " and no bootstrap token in "
            + options.tokenFile() + "; " + tokenHint());
      }
      chain = withToken(csr, token);
    }
    write(chain, keys);
  }

  /** A certificate for the bootstrap token; a refusal says so, names the file and how to replace it. */
  private List<String> withToken(String csr, String token) throws Exception {
    try {
      return client.createCertificate(csr, options.ttl(), CaClient.Credentials.token(token));
    } catch (Exception e) {
      if (!isRefusal(e)) {
        throw e; // not a verdict on the token (the CA is unreachable, say): retried as it is
      }
      throw new IOException("the CA refused the bootstrap token in " + options.tokenFile() + ": " + e.getMessage()
          + "; " + tokenHint(), e);
    }
  }

  /** Whether the CA judged the credentials (rather than failing to answer). */
  private static boolean isRefusal(Exception e) {
    var code = io.grpc.Status.fromThrowable(e).getCode();
    return code == io.grpc.Status.Code.UNAUTHENTICATED || code == io.grpc.Status.Code.PERMISSION_DENIED;
  }

  /** How to give this VM a new token, with its own namespace, service account and file. */
  private String tokenHint() {
    return "write a new token there with 'vmesh token create -n " + options.identity().namespace() + " -s "
        + options.identity().serviceAccount() + " > " + options.tokenFile() + "' (or run 'vmesh workload entry "
        + "configure' again and copy its files to the VM)";
  }

  private void write(List<String> chain, KeyPair keys) throws IOException {
    if (chain.size() < 2) {
      throw new IOException("the CA answered with " + chain.size() + " certificate(s); a chain to the root is needed");
    }
    List<X509Certificate> certs = new ArrayList<>();
    for (String pem : chain) {
      certs.addAll(Pem.parseCertificates(pem));
    }
    X509Certificate leaf = certs.get(0);
    if (!leaf.getPublicKey().equals(keys.getPublic())) {
      throw new IOException("the CA's certificate is not for the key we sent");
    }
    List<X509Certificate> roots = new ArrayList<>();
    if (Files.exists(options.trustBundle())) {
      roots.addAll(Pem.parseCertificates(Files.readString(options.trustBundle())));
    }
    X509Certificate responseRoot = certs.get(certs.size() - 1);
    if (!roots.contains(responseRoot)) {
      roots.add(responseRoot);
    }
    Files.createDirectories(options.certDir());
    Pem.writeAtomically(rootCert(), Pem.certificates(roots), "rw-r--r--");
    Pem.writeAtomically(key(), Pem.privateKey(keys.getPrivate()), "rw-------");
    Pem.writeAtomically(certChain(), Pem.certificates(certs), "rw-r--r--");
  }

  private String readToken() {
    try {
      if (options.tokenFile() != null && Files.exists(options.tokenFile())) {
        String t = Files.readString(options.tokenFile()).trim();
        return t.isEmpty() ? null : t;
      }
    } catch (IOException e) {
      LOG.warn("event=token_unreadable file={} error={}", options.tokenFile(), e.toString());
    }
    return null;
  }

  private X509Certificate currentLeaf() {
    try {
      if (Files.exists(certChain()) && Files.exists(key())) {
        return Pem.parseCertificates(Files.readString(certChain())).get(0);
      }
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("event=certificate_unreadable file={} error={}", certChain(), e.toString());
    }
    return null;
  }

  /** Renewal at {@code notBefore + lifetime x (ratio +/- jitter)}, now if that is past. */
  private void scheduleRenewal(X509Certificate leaf) {
    Instant from = leaf.getNotBefore().toInstant();
    Duration life = Duration.between(from, leaf.getNotAfter().toInstant());
    double ratio = options.graceRatio() + (random.nextDouble() * 2 - 1) * options.jitter();
    Instant at = from.plusMillis((long) (life.toMillis() * ratio));
    Duration delay = Duration.between(clock.instant(), at);
    schedule(delay.isNegative() ? Duration.ZERO : delay);
    nextRenewal = at;
  }

  private void schedule(Duration delay) {
    if (closed) {
      return;
    }
    if (next != null) {
      next.cancel();
    }
    nextRenewal = clock.instant().plus(delay);
    next = timer.schedule(this::renew, delay);
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (next != null) {
        next.cancel();
      }
    }
  }
}
