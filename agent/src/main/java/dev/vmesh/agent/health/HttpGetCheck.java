package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code HttpGetCheck} sends {@code GET scheme://host:port/path} and passes on a status from 200 to 399.
 * Like the kubelet it does not follow redirects, does not verify an https server's certificate or name,
 * and opens a fresh connection for every run (no proxy, HTTP/1.1). Only the status line and headers are
 * awaited; the body is not read.
 *
 * <p>Custom headers are sent as given, except those {@code java.net.http} refuses to set ({@code Host},
 * {@code Connection}, {@code Content-Length}, {@code Expect}, {@code Upgrade}): those are left out with a
 * warning. Start the agent with {@code -Djdk.httpclient.allowRestrictedHeaders=host} to send a probe's
 * {@code Host} header.
 */
public final class HttpGetCheck implements Check {
  private static final Logger LOG = LoggerFactory.getLogger(HttpGetCheck.class);

  private final URI uri;
  private final List<ReadinessProbe.Header> headers = new ArrayList<>();

  /** {@code defaultHost} stands in for an empty {@code host}. */
  public HttpGetCheck(ReadinessProbe.HttpGet get, String defaultHost) {
    String scheme = get.scheme().isEmpty() ? "http" : get.scheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("readinessProbe.httpGet.scheme: " + get.scheme() + " is not HTTP or HTTPS");
    }
    String path = get.path().isEmpty() ? "/" : get.path().startsWith("/") ? get.path() : "/" + get.path();
    String authority = Checks.authority(Checks.hostOr(get.host(), defaultHost), Checks.port("httpGet", get.port()));
    try {
      uri = URI.create(scheme + "://" + authority + path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("readinessProbe.httpGet: " + e.getMessage(), e);
    }
    for (ReadinessProbe.Header h : get.httpHeaders()) {
      try {
        HttpRequest.newBuilder().header(h.name(), h.value()); // only to ask whether the client allows it
        headers.add(h);
      } catch (IllegalArgumentException e) {
        String hint = h.name().equalsIgnoreCase("host")
            ? "; start the agent with -Djdk.httpclient.allowRestrictedHeaders=host to send it" : "";
        LOG.warn("event=probe_header_skipped header={} reason=\"{}{}\"", h.name(),
            Checks.describe(e).replace('"', '\''), hint);
      }
    }
  }

  /** The URL this check requests. */
  public URI uri() {
    return uri;
  }

  @Override
  public Health run(Duration timeout) {
    String what = "GET " + uri;
    HttpClient.Builder builder = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(timeout);
    if (uri.getScheme().equals("https")) {
      builder.sslContext(TrustAll.CONTEXT);
    }
    HttpClient client = builder.build();
    CompletableFuture<HttpResponse<InputStream>> pending = null;
    try {
      HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
      headers.forEach(h -> request.header(h.name(), h.value()));
      pending = client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      // the request timeout covers the exchange; this bound also covers anything it does not
      HttpResponse<InputStream> response = pending.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      response.body().close();
      int status = response.statusCode();
      return status >= 200 && status < 400 ? Health.ok() : Health.failed(what + " returned " + status);
    } catch (TimeoutException e) {
      return Health.failed(what + " timed out after " + Checks.seconds(timeout));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof HttpTimeoutException) {
        return Health.failed(what + " timed out after " + Checks.seconds(timeout));
      }
      return Health.failed(what + " failed: " + Checks.failure(e.getCause()));
    } catch (IOException e) {
      return Health.failed(what + " failed: " + Checks.failure(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Health.failed(what + " was interrupted");
    } finally {
      if (pending != null) {
        pending.cancel(true);
      }
      client.shutdownNow();
    }
  }

  /** Accepts any server certificate for any name, as the kubelet's https probes do. */
  private static final class TrustAll extends X509ExtendedTrustManager {
    static final SSLContext CONTEXT = context();

    private static SSLContext context() {
      try {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(null, new TrustManager[] {new TrustAll()}, null);
        return c;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("no TLS in this JDK", e);
      }
    }

    // Extending X509ExtendedTrustManager (not X509TrustManager) stops the JDK from adding its own
    // hostname check around this trust manager.
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
