package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code HttpGetCheck} sends {@code GET scheme://host:port/path} and passes on a status from 200 to 399.
 * Like the kubelet it does not follow redirects, does not verify an https server's certificate or name,
 * opens a fresh connection for every run (no proxy, HTTP/1.1, {@code Connection: close}) and sends the
 * probe's headers as given, {@code Host} included. Only the status line is awaited; the rest of the
 * answer is not read.
 *
 * <p>Written on a plain socket rather than {@code java.net.http}: the probe needs one request line out and
 * one status line back, where that client is a selector thread per client and a few hundred classes
 * kept in the agent for good.
 */
public final class HttpGetCheck implements Check {
  private static final Logger LOG = LoggerFactory.getLogger(HttpGetCheck.class);
  /** The longest status line read; an answer without one by then is not HTTP. */
  static final int MAX_STATUS_LINE = 8192;

  private final URI uri;
  private final String host;
  private final int port;
  private final byte[] request;

  /** {@code defaultHost} stands in for an empty {@code host}. */
  public HttpGetCheck(ReadinessProbe.HttpGet get, String defaultHost) {
    String scheme = get.scheme().isEmpty() ? "http" : get.scheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("readinessProbe.httpGet.scheme: " + get.scheme() + " is not HTTP or HTTPS");
    }
    String path = get.path().isEmpty() ? "/" : get.path().startsWith("/") ? get.path() : "/" + get.path();
    this.host = Checks.hostOr(get.host(), defaultHost);
    this.port = Checks.port("httpGet", get.port());
    String authority = Checks.authority(host, port);
    try {
      uri = URI.create(scheme + "://" + authority + path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("readinessProbe.httpGet: " + e.getMessage(), e);
    }
    String hostHeader = authority;
    List<String> lines = new ArrayList<>();
    for (ReadinessProbe.Header h : get.httpHeaders()) {
      if (!isToken(h.name()) || h.value().indexOf('\r') >= 0 || h.value().indexOf('\n') >= 0) {
        LOG.warn("event=probe_header_skipped header=\"{}\" reason=\"not a valid HTTP header name or value\"",
            h.name().replace('"', '\''));
      } else if (h.name().equalsIgnoreCase("host")) {
        hostHeader = h.value();
      } else if (!h.name().equalsIgnoreCase("connection")) {
        lines.add(h.name() + ": " + h.value());
      }
    }
    StringBuilder r = new StringBuilder("GET ").append(uri.getRawPath().isEmpty() ? "/" : uri.getRawPath());
    if (uri.getRawQuery() != null) {
      r.append('?').append(uri.getRawQuery());
    }
    r.append(" HTTP/1.1\r\nHost: ").append(hostHeader).append("\r\nUser-Agent: vmesh-probe\r\nAccept: */*\r\n");
    lines.forEach(l -> r.append(l).append("\r\n"));
    request = r.append("Connection: close\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The URL this check requests. */
  public URI uri() {
    return uri;
  }

  @Override
  public Health run(Duration timeout) {
    String what = "GET " + uri;
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(host, port), millisLeft(deadline));
      try (Socket socket = uri.getScheme().equals("https") ? tls(plain, deadline) : plain) {
        OutputStream out = socket.getOutputStream();
        out.write(request);
        out.flush();
        int status = status(socket, deadline);
        return status >= 200 && status < 400 ? Health.ok() : Health.failed(what + " returned " + status);
      }
    } catch (SocketTimeoutException e) {
      return Health.failed(what + " timed out after " + Checks.seconds(timeout));
    } catch (IOException e) {
      return Health.failed(what + " failed: " + Checks.failure(e));
    }
  }

  /** {@code plain} wrapped in TLS, handshake done (any certificate accepted). */
  private Socket tls(Socket plain, long deadline) throws IOException {
    SSLSocket tls = (SSLSocket) TrustAll.CONTEXT.getSocketFactory().createSocket(plain, host, port, true);
    tls.setSoTimeout(millisLeft(deadline));
    tls.startHandshake();
    return tls;
  }

  /** The status code of the answer's status line ("HTTP/1.1 200 OK"), read before {@code deadline}. */
  private static int status(Socket socket, long deadline) throws IOException {
    InputStream in = new BufferedInputStream(socket.getInputStream(), 512);
    ByteArrayOutputStream line = new ByteArrayOutputStream(64);
    while (true) {
      socket.setSoTimeout(millisLeft(deadline));
      int b = in.read();
      if (b < 0 || line.size() >= MAX_STATUS_LINE) {
        throw new IOException("the answer has no HTTP status line");
      }
      if (b == '\n') {
        break;
      }
      line.write(b);
    }
    String[] parts = line.toString(StandardCharsets.ISO_8859_1).trim().split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[1-5][0-9][0-9]")) {
      throw new IOException("the answer is not HTTP/1.x: \"" + line.toString(StandardCharsets.ISO_8859_1)
          .trim().replace('"', '\'') + "\"");
    }
    return Integer.parseInt(parts[1]);
  }

  private static int millisLeft(long deadline) throws SocketTimeoutException {
    long left = (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    return (int) Math.min(Integer.MAX_VALUE, left);
  }

  /** RFC 9110's token: a header name. */
  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 127 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
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
