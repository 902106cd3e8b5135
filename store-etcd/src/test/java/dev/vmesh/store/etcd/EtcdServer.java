package dev.vmesh.store.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.etcd.jetcd.Client;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code EtcdServer} runs a real etcd (Debian's {@code etcd-server}) for a test class: on free loopback
 * ports, with a fresh data directory (on /dev/shm when there is one, so fsync is cheap), started before
 * the class and stopped after it. Tests are skipped, saying why, only when the etcd binary is missing.
 *
 * <pre>{@code @RegisterExtension static EtcdServer etcd = new EtcdServer();}</pre>
 *
 * <p>{@link #withTls()} serves clients over TLS only and requires a client certificate (etcd's
 * {@code --client-cert-auth}), with certificates from a throw-away CA ({@link #certificates()}).
 */
public final class EtcdServer implements BeforeAllCallback, AfterAllCallback {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private Path dir;
  private Path log;
  private int clientPort;
  private int peerPort;
  private Process process;
  private Client client;
  private int prefixes;
  private boolean tls;
  private long quotaBackendBytes;
  private TestCertificates certificates;

  /** This server with TLS and client-certificate authentication; call before the class starts. */
  public EtcdServer withTls() {
    tls = true;
    return this;
  }

  /** This server with its database capped at {@code bytes} ({@code --quota-backend-bytes}); call before the class starts. */
  public EtcdServer withQuotaBackendBytes(long bytes) {
    quotaBackendBytes = bytes;
    return this;
  }

  /** The CA, server and client certificates of a {@link #withTls()} server. */
  TestCertificates certificates() {
    return certificates;
  }

  /** The etcd binary: {@code $VMESH_ETCD}, else {@code etcd} on the PATH. */
  public static Optional<Path> binary() {
    String configured = System.getenv("VMESH_ETCD");
    if (configured != null && !configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    return Stream.of(path.split(File.pathSeparator)).map(p -> Path.of(p, "etcd")).filter(Files::isExecutable)
        .findFirst();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    assumeTrue(binary().isPresent(), "etcd is not installed (apt-get install etcd-server, or set VMESH_ETCD);"
        + " skipping " + context.getDisplayName());
    Path base = Files.isDirectory(Path.of("/dev/shm")) && Files.isWritable(Path.of("/dev/shm"))
        ? Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));
    dir = Files.createTempDirectory(base, "vmesh-etcd-");
    log = Path.of(System.getProperty("java.io.tmpdir")).resolve(dir.getFileName() + ".log");
    clientPort = freePort();
    peerPort = freePort();
    if (tls) {
      certificates = new TestCertificates(Files.createDirectories(dir.resolve("tls")));
    }
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (client != null) {
      client.close();
    }
    if (process != null) {
      stop();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Starts etcd (again, on the same data and ports after {@link #stop()}) and waits until it is healthy. */
  public void start() throws IOException {
    String peer = "http://127.0.0.1:" + peerPort;
    List<String> cmd = new ArrayList<>(List.of(binary().orElseThrow().toString(),
        "--name", "vmesh-test", "--data-dir", dir.resolve("data").toString(),
        "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", "vmesh-test=" + peer,
        "--logger", "zap", "--log-outputs", "stderr"));
    if (quotaBackendBytes > 0) {
      cmd.addAll(List.of("--quota-backend-bytes", Long.toString(quotaBackendBytes)));
    }
    if (tls) {
      cmd.addAll(List.of("--cert-file", certificates.serverCert.toString(), "--key-file",
          certificates.serverKey.toString(), "--trusted-ca-file", certificates.ca.toString(), "--client-cert-auth"));
    }
    Files.writeString(log, "$ " + String.join(" ", cmd) + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    HttpClient.Builder httpBuilder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
    if (tls) {
      httpBuilder.sslContext(certificates.clientContext());
    }
    try (HttpClient http = httpBuilder.build()) {
      await("etcd on " + endpoint() + " healthy").atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(50))
          .until(() -> {
            if (!process.isAlive()) {
              throw new AssertionError("etcd exited with " + process.exitValue() + "; its log:\n" + log());
            }
            return healthy(http);
          });
    }
  }

  /** Stops etcd (SIGTERM) and waits until it has exited; its data stays for {@link #start()}. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private boolean healthy(HttpClient http) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
          .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && r.body().contains("\"true\"");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The client URL, {@code http://127.0.0.1:PORT} ({@code https} with TLS). */
  public String endpoint() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + clientPort;
  }

  public int clientPort() {
    return clientPort;
  }

  /** Options for a store on this etcd under a key prefix no other store of this class uses. */
  public EtcdOptions options() {
    EtcdOptions o = EtcdOptions.of(endpoint()).withKeyPrefix("/vmesh-test-" + (++prefixes) + "/");
    return tls ? o.withTls(certificates.tls()) : o;
  }

  /** A plain jetcd client on this etcd, for what tests do behind a store's back (compaction, foreign writes). */
  public synchronized Client client() {
    if (client == null) {
      client = tls ? EtcdClients.build(options()) : Client.builder().endpoints(endpoint()).build();
    }
    return client;
  }

  /** What etcd printed so far. */
  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
