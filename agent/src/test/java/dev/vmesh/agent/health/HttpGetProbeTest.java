package dev.vmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.ca.CertificateAuthority;
import dev.vmesh.pki.KeyPairs;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** HTTP GET probes against a JDK HTTP server on 127.0.0.1. */
class HttpGetProbeTest {
  /** Generous, so a loaded machine never fails a probe that should pass; only the hang test waits it out. */
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** The timeout of the probe that is meant to time out. */
  static final Duration SHORT = Duration.ofSeconds(1);

  final ExecutorService handlers = Executors.newCachedThreadPool();
  final CountDownLatch releaseHungRequests = new CountDownLatch(1);
  final Map<String, String> seen = new ConcurrentHashMap<>();
  final AtomicInteger redirectTargetHits = new AtomicInteger();
  HttpServer server;
  int port;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serve(server);
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    releaseHungRequests.countDown();
    server.stop(0);
    handlers.shutdownNow();
  }

  /**
   * /status/N answers N; /moved redirects to /elsewhere (which answers 503); /endless sends a body
   * without end; /hang never answers.
   */
  void serve(HttpServer s) {
    s.setExecutor(handlers);
    s.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      seen.put("uri", exchange.getRequestURI().toString());
      seen.put("host", exchange.getRequestHeaders().getFirst("Host"));
      exchange.getRequestHeaders().forEach((k, v) -> seen.put("header:" + k.toLowerCase(), String.join(",", v)));
      if (path.startsWith("/status/")) {
        respond(exchange, Integer.parseInt(path.substring("/status/".length())));
      } else if (path.equals("/moved")) {
        exchange.getResponseHeaders().add("Location", "/elsewhere");
        respond(exchange, 302);
      } else if (path.equals("/elsewhere")) {
        redirectTargetHits.incrementAndGet();
        respond(exchange, 503);
      } else if (path.equals("/endless")) {
        exchange.sendResponseHeaders(200, 0);
        byte[] chunk = new byte[8192];
        try (var body = exchange.getResponseBody()) {
          while (releaseHungRequests.getCount() > 0) {
            body.write(chunk);
          }
        } catch (IOException clientWentAway) {
          // expected: the probe stops reading after the status line
        }
      } else if (path.equals("/hang")) {
        try {
          releaseHungRequests.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
      } else {
        respond(exchange, 200);
      }
    });
  }

  static void respond(HttpExchange exchange, int status) throws IOException {
    exchange.sendResponseHeaders(status, -1);
    exchange.close();
  }

  Health run(String path, ReadinessProbe.Header... headers) {
    return run(path, TIMEOUT, headers);
  }

  Health run(String path, Duration timeout, ReadinessProbe.Header... headers) {
    return new HttpGetCheck(new ReadinessProbe.HttpGet(path, port, "", "", List.of(headers)), "127.0.0.1")
        .run(timeout);
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 204, 301, 399})
  void statusFrom200To399Passes(int status) {
    assertThat(run("/status/" + status)).isEqualTo(Health.ok());
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 404, 500, 503})
  void statusFrom400FailsAndTheMessageNamesUrlAndStatus(int status) {
    assertThat(run("/status/" + status))
        .isEqualTo(Health.failed("GET http://127.0.0.1:" + port + "/status/" + status + " returned " + status));
  }

  @Test
  void aRedirectPassesWithoutBeingFollowed() {
    assertThat(run("/moved")).isEqualTo(Health.ok());
    assertThat(redirectTargetHits).hasValue(0);
  }

  @Test
  void emptyPathMeansSlashAndPathAndQueryAreSentAsGiven() {
    assertThat(run("")).isEqualTo(Health.ok());
    assertThat(seen).containsEntry("uri", "/");
    assertThat(run("healthz?verbose=1")).isEqualTo(Health.ok());
    assertThat(seen).containsEntry("uri", "/healthz?verbose=1");
  }

  @Test
  void customHeadersAreSent() {
    assertThat(run("/", new ReadinessProbe.Header("X-Probe", "vmesh"), new ReadinessProbe.Header("Authorization",
        "Bearer abc"))).isEqualTo(Health.ok());
    assertThat(seen).containsEntry("header:x-probe", "vmesh").containsEntry("header:authorization", "Bearer abc");
  }

  @Test
  void aHostHeaderReplacesTheDefaultAsTheKubeletDoes() {
    assertThat(run("/", new ReadinessProbe.Header("Host", "app.example"), new ReadinessProbe.Header("X-Probe", "1")))
        .isEqualTo(Health.ok());
    assertThat(seen).containsEntry("host", "app.example").containsEntry("header:x-probe", "1");
    assertThat(run("/")).isEqualTo(Health.ok());
    assertThat(seen).containsEntry("host", "127.0.0.1:" + port);
  }

  @Test
  void aHeaderThatWouldSplitTheRequestIsLeftOut() {
    assertThat(run("/", new ReadinessProbe.Header("X-Probe", "1\r\nX-Injected: 2"),
        new ReadinessProbe.Header("X-Kept", "3"))).isEqualTo(Health.ok());
    assertThat(seen).containsEntry("header:x-kept", "3").doesNotContainKeys("header:x-probe", "header:x-injected");
  }

  @Test
  void anAnswerThatIsNotHttpFailsAndSaysWhatCame() throws Exception {
    try (ServerSocket notHttp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        try (Socket s = notHttp.accept()) {
          s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
          s.getInputStream().read();
        } catch (IOException ignored) {
          // the probe closed first
        }
      });
      HttpGetCheck check = new HttpGetCheck(new ReadinessProbe.HttpGet("/", notHttp.getLocalPort(), "127.0.0.1",
          "", List.of()), "h");
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.failed("GET http://127.0.0.1:" + notHttp.getLocalPort()
          + "/ failed: the answer is not HTTP/1.x: \"SSH-2.0-OpenSSH_9.6\""));
    }
  }

  @Test
  void theProbeHostWinsOverTheDefaultHostAndTheSchemeIsCaseInsensitive() {
    HttpGetCheck check = new HttpGetCheck(new ReadinessProbe.HttpGet("/status/503", port, "127.0.0.1", "HTTP",
        List.of()), "default-host.invalid");
    assertThat(check.uri()).hasToString("http://127.0.0.1:" + port + "/status/503");
    assertThat(check.run(TIMEOUT).message()).endsWith("returned 503");
  }

  @Test
  void anIpv6DefaultHostIsBracketed() {
    HttpGetCheck check = new HttpGetCheck(new ReadinessProbe.HttpGet("/ready", 8080, "", "", List.of()), "fd00::1");
    assertThat(check.uri()).hasToString("http://[fd00::1]:8080/ready");
  }

  @Test
  void theBodyIsNotWaitedFor() {
    Health health = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("/endless"));
    assertThat(health).isEqualTo(Health.ok());
  }

  @Test
  void aServerThatNeverAnswersFailsAtTheTimeout() {
    Health health = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> run("/hang", SHORT));
    assertThat(health).isEqualTo(Health.failed("GET http://127.0.0.1:" + port + "/hang timed out after 1s"));
  }

  @Test
  void aClosedPortFails() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    Health health = new HttpGetCheck(new ReadinessProbe.HttpGet("/", closed, "", "", List.of()), "127.0.0.1")
        .run(TIMEOUT);
    assertThat(health.healthy()).isFalse();
    assertThat(health.message()).startsWith("GET http://127.0.0.1:" + closed + "/ failed: ");
  }

  @Test
  void httpsAcceptsAnUntrustedCertificateForAnotherName(@TempDir Path dir) throws Exception {
    HttpsServer https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverTls(dir)));
    serve(https);
    https.start();
    try {
      int httpsPort = https.getAddress().getPort();
      HttpGetCheck check = new HttpGetCheck(new ReadinessProbe.HttpGet("/status/204", httpsPort, "", "HTTPS",
          List.of()), "127.0.0.1");
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());
      assertThat(seen).containsEntry("uri", "/status/204");

      HttpGetCheck failing = new HttpGetCheck(new ReadinessProbe.HttpGet("/status/500", httpsPort, "", "https",
          List.of()), "127.0.0.1");
      assertThat(failing.run(TIMEOUT))
          .isEqualTo(Health.failed("GET https://127.0.0.1:" + httpsPort + "/status/500 returned 500"));
    } finally {
      https.stop(0);
    }
  }

  @Test
  void httpsAgainstAPlainHttpServerFails() {
    Health health = new HttpGetCheck(new ReadinessProbe.HttpGet("/", port, "", "https", List.of()), "127.0.0.1")
        .run(TIMEOUT);
    assertThat(health.healthy()).isFalse();
    assertThat(health.message()).startsWith("GET https://127.0.0.1:" + port + "/ ");
  }

  @Test
  void unsupportedSchemesAndPortsAreRejected() {
    assertThatThrownBy(() -> new HttpGetCheck(new ReadinessProbe.HttpGet("/", 80, "", "ftp", List.of()), "h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readinessProbe.httpGet.scheme: ftp is not HTTP or HTTPS");
    assertThatThrownBy(() -> new HttpGetCheck(new ReadinessProbe.HttpGet("/", 0, "", "", List.of()), "h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("readinessProbe.httpGet.port: 0 is not in 1..65535");
  }

  /** TLS for a server whose certificate names another host and comes from a CA nobody trusts. */
  static SSLContext serverTls(Path dir) throws Exception {
    CertificateAuthority ca = CertificateAuthority.loadOrCreate(dir, "cluster.local", Clock.systemUTC());
    KeyPair keys = KeyPairs.ecP256();
    List<X509Certificate> chain = ca.issue(keys.getPublic(), new CertificateAuthority.LeafSpec(List.of(),
        List.of("somewhere-else.example"), List.of(), Duration.ofHours(1)));
    char[] password = "test".toCharArray();
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("server", keys.getPrivate(), password, chain.toArray(X509Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, password);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    return tls;
  }
}
