package dev.vmesh.controlplane.http;

import dev.vmesh.http.HttpCall;
import dev.vmesh.http.HttpLimits;
import dev.vmesh.http.HttpMetrics;
import dev.vmesh.http.HttpPort;
import dev.vmesh.http.HttpReply;
import dev.vmesh.http.HttpService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Http} is the server's HTTP port (15014): a small router over an {@link HttpPort}, which enforces
 * the port's {@link HttpLimits} (connections, timeouts, sizes). Routes match a path exactly or by prefix;
 * routes marked protected need {@code Authorization: Bearer <token>}. Errors, including requests a limit
 * refused, are Kubernetes {@code Status} objects.
 */
public final class Http implements AutoCloseable, HttpService {
  private static final Logger LOG = LoggerFactory.getLogger(Http.class);
  public static final int MAX_BODY = HttpLimits.SERVER.maxBodyBytes();

  /**
   * A request as handlers see it.
   *
   * @param headers header names in lower case (see {@link #header})
   */
  public record Request(String method, String path, Map<String, String> query, String contentType, byte[] body,
      Map<String, String> headers) {
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** The header's value (name in any case), or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
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

  /** A route; {@code raw} routes get the call as the port has it and answer bytes (the metrics page). */
  private record Route(String path, boolean prefix, boolean authenticated, String description, Handler handler,
      HttpService raw) {
    boolean matches(String p) {
      return prefix ? p.startsWith(path) : p.equals(path);
    }
  }

  private final InetSocketAddress address;
  private final HttpLimits limits;
  private final HttpMetrics metrics;
  private final List<Route> routes = new CopyOnWriteArrayList<>();
  private final byte[] token;
  private volatile HttpPort port;

  /** {@code token} null means no route can be authenticated (protected routes answer 401 to everyone). */
  public Http(InetSocketAddress address, String token) {
    this(address, token, HttpLimits.SERVER, HttpMetrics.unregistered());
  }

  public Http(InetSocketAddress address, String token, HttpLimits limits, HttpMetrics metrics) {
    this.address = address;
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.limits = limits;
    this.metrics = metrics;
  }

  public void route(String path, boolean authenticated, Handler handler) {
    routes.add(new Route(path, false, authenticated, "", handler, null));
  }

  /** A route with a line saying what it shows, for the {@code /debug} index. */
  public void route(String path, boolean authenticated, String description, Handler handler) {
    routes.add(new Route(path, false, authenticated, description, handler, null));
  }

  public void routePrefix(String prefix, boolean authenticated, Handler handler) {
    routes.add(new Route(prefix, true, authenticated, "", handler, null));
  }

  /** Mounts a service that answers the port's calls directly (the Prometheus scrape handler) at {@code path}. */
  public void raw(String path, boolean authenticated, String description, HttpService service) {
    routes.add(new Route(path, false, authenticated, description, null, service));
  }

  /** Exact routes under {@code prefix}, with their descriptions, in the order they were added. */
  public List<Map.Entry<String, String>> routesUnder(String prefix) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (Route r : routes) {
      if (!r.prefix() && r.path().startsWith(prefix)) {
        out.add(Map.entry(r.path(), r.description()));
      }
    }
    return out;
  }

  /** Starts listening; a taken address fails with {@link java.net.BindException}. */
  public void start() throws IOException {
    port = HttpPort.start("http", address, limits, this, metrics);
  }

  public InetSocketAddress address() {
    HttpPort p = port;
    return p == null ? address : p.address();
  }

  /** The port (null before {@link #start}), for tests that look at its connections. */
  public HttpPort port() {
    return port;
  }

  @Override
  public HttpReply serve(HttpCall call) throws Exception {
    Route route = null;
    for (Route r : routes) {
      if (r.matches(call.path())) {
        route = r;
        break;
      }
    }
    if (route == null) {
      return HttpReply.text(404, "not found\n");
    }
    if (route.authenticated() && !authorized(call.header("Authorization"))) {
      return reply(new Response(401, "application/json", KubeStatus.failure(401, "Unauthorized",
          "this endpoint needs Authorization: Bearer <token>; the token is in the server's data directory "
              + "(admin-token)").json(), List.of(Map.entry("WWW-Authenticate", "Bearer"))));
    }
    if (route.raw() != null) {
      return route.raw().serve(call);
    }
    Map<String, String> query;
    try {
      query = query(call.rawQuery());
    } catch (IllegalArgumentException e) {
      return refused(400, "BadRequest", "malformed query string: " + e.getMessage());
    }
    Request req = new Request(call.method(), call.path(), query, String.valueOf(call.header("Content-Type")),
        call.body(), call.headers());
    try {
      return reply(route.handler().handle(req));
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=http_failed path={} error={}", call.path(), e.toString(), e);
      return reply(Response.json(500, KubeStatus.failure(500, "InternalError", e.toString()).json()));
    }
  }

  @Override
  public HttpReply refused(int status, String reason, String message) {
    return reply(Response.json(status, KubeStatus.failure(status, reason, message).json()));
  }

  private static HttpReply reply(Response r) {
    return new HttpReply(r.status(), r.contentType(), r.body().getBytes(StandardCharsets.UTF_8), r.headers());
  }

  private boolean authorized(String header) {
    if (token == null || header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(token, header.substring(7).trim().getBytes(StandardCharsets.UTF_8));
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

  @Override
  public void close() {
    HttpPort p = port;
    if (p != null) {
      p.close();
    }
  }
}
