package dev.vmesh.controlplane.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Http} is the server's HTTP port (15014): a small router over the JDK's HTTP server. Routes
 * match a path exactly or by prefix; routes marked protected need {@code Authorization: Bearer <token>}.
 * Request bodies are capped at {@link #MAX_BODY} bytes.
 */
public final class Http implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Http.class);
  public static final int MAX_BODY = 8 * 1024 * 1024;

  /** A request as handlers see it. */
  public record Request(String method, String path, Map<String, String> query, String contentType, byte[] body) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  /** An answer: status, content type, body, extra headers. */
  public record Response(int status, String contentType, String body, List<Map.Entry<String, String>> headers) {
    public static Response json(int status, String body) {
      return new Response(status, "application/json", body, List.of());
    }

    public static Response text(int status, String body) {
      return new Response(status, "text/plain; charset=utf-8", body, List.of());
    }
  }

  /** Handles one routed request. */
  public interface Handler {
    Response handle(Request request) throws IOException;
  }

  private record Route(String path, boolean prefix, boolean authenticated, Handler handler) {}

  private final HttpServer server;
  private final List<Route> routes = new ArrayList<>();
  private final byte[] token;

  /** {@code token} null means no route can be authenticated (protected routes answer 401 to everyone). */
  public Http(InetSocketAddress address, String token) throws IOException {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(address, 128);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::dispatch);
  }

  public void route(String path, boolean authenticated, Handler handler) {
    routes.add(new Route(path, false, authenticated, handler));
  }

  public void routePrefix(String prefix, boolean authenticated, Handler handler) {
    routes.add(new Route(prefix, true, authenticated, handler));
  }

  /** Mounts a raw JDK handler (the Prometheus exporter) at {@code path}. */
  public void raw(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  public void start() {
    server.start();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  private void dispatch(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      Route route = null;
      for (Route r : routes) {
        if (r.prefix() ? path.startsWith(r.path()) : path.equals(r.path())) {
          route = r;
          break;
        }
      }
      if (route == null) {
        send(ex, Response.text(404, "not found\n"));
        return;
      }
      if (route.authenticated() && !authorized(ex.getRequestHeaders().getFirst("Authorization"))) {
        send(ex, new Response(401, "application/json", KubeStatus.failure(401, "Unauthorized",
            "this endpoint needs Authorization: Bearer <token>; the token is in the server's data directory "
                + "(admin-token)").json(), List.of(Map.entry("WWW-Authenticate", "Bearer"))));
        return;
      }
      byte[] body = readBody(ex.getRequestBody());
      if (body == null) {
        send(ex, Response.json(413, KubeStatus.failure(413, "RequestEntityTooLarge", "request body is larger than "
            + MAX_BODY + " bytes").json()));
        return;
      }
      Request req = new Request(ex.getRequestMethod(), path, query(ex.getRequestURI().getRawQuery()),
          String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")), body);
      send(ex, route.handler().handle(req));
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=http_failed path={} error={}", ex.getRequestURI(), e.toString(), e);
      try {
        send(ex, Response.json(500, KubeStatus.failure(500, "InternalError", e.toString()).json()));
      } catch (IOException | RuntimeException ignored) {
        // the client is gone
      }
    }
  }

  private boolean authorized(String header) {
    if (token == null || header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] b = in.readNBytes(MAX_BODY + 1);
    return b.length > MAX_BODY ? null : b;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  private static void send(HttpExchange ex, Response r) throws IOException {
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", r.contentType());
    r.headers().forEach(h -> ex.getResponseHeaders().add(h.getKey(), h.getValue()));
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(r.status(), head || body.length == 0 ? -1 : body.length);
    if (!head && body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
