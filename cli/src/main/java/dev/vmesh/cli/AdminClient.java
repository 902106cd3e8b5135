package dev.vmesh.cli;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code AdminClient} talks to a server's admin API (see the server's {@code AdminApi}). */
final class AdminClient {
  /** A refusal from the server: HTTP status and the server's message (a Kubernetes Status, as text). */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    Failure(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final String base;
  private final String token;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  AdminClient(String base, String token) {
    this.base = base;
    this.token = token;
  }

  static String path(Kind kind, String namespace, String name) {
    return "/apis/" + kind.defaultApiVersion() + "/namespaces/" + enc(namespace) + "/" + kind.plural()
        + (name == null ? "" : "/" + enc(name));
  }

  Optional<Resource> get(ResourceKey key) {
    HttpResponse<String> r = send("GET", path(key.kind(), key.namespace(), key.name()), null);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    return Optional.of(decode(check(r)));
  }

  List<Resource> list(Kind kind, String namespace, String selector) {
    String p = namespace == null ? "/apis/" + kind.defaultApiVersion() + "/" + kind.plural()
        : path(kind, namespace, null);
    if (selector != null && !selector.isBlank()) {
      p += "?labelSelector=" + enc(selector);
    }
    return ResourceDecoder.decode("server.json", check(send("GET", p, null))).resources();
  }

  Resource create(Resource r) {
    return decode(check(send("POST", path(r.kind(), r.namespace(), null), ResourceWriter.json(r, false))));
  }

  Resource replace(Resource r) {
    return decode(check(send("PUT", path(r.kind(), r.namespace(), r.name()), ResourceWriter.json(r, false))));
  }

  Resource delete(ResourceKey key) {
    return decode(check(send("DELETE", path(key.kind(), key.namespace(), key.name()), null)));
  }

  String syncz() {
    return check(send("GET", "/debug/syncz", null));
  }

  /** {@code /debug/refusedz}; empty ({@code []}) from a server without it. */
  String refusedz() {
    HttpResponse<String> r = send("GET", "/debug/refusedz", null);
    return r.statusCode() == 404 ? "[]" : check(r);
  }

  /** A raw JSON call (token admin). */
  String call(String method, String path, String json) {
    return check(send(method, path, json));
  }

  private HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach the server at " + base + " (" + describe(e) + "); start it"
          + " with vmesh server, or point --server (or VMESH_SERVER) at its http://HOST:PORT");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  /**
   * What went wrong, in words, for exceptions whose message is null or only an address (the JDK's
   * connect failures): their kind, then the causes' messages.
   */
  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause()) {
      String what = switch (t) {
        case ConnectException c -> "connection refused";
        case HttpConnectTimeoutException c -> "no answer within the 5 s connect timeout";
        case HttpTimeoutException c -> "no response within 30 s";
        case UnknownHostException u -> "unknown host " + u.getMessage();
        case NoSuchFileException n -> "no such file";
        case AccessDeniedException a -> "permission denied";
        default -> t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage()
            : t == e ? t.getClass().getSimpleName() : "";
      };
      if (!what.isEmpty() && sb.indexOf(what) < 0) {
        sb.append(sb.length() == 0 ? "" : ": ").append(what);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return sb.toString();
  }

  private static String check(HttpResponse<String> r) {
    if (r.statusCode() / 100 != 2) {
      throw new Failure(r.statusCode(), message(r.body()));
    }
    return r.body();
  }

  /** The message of a Status body, then its causes (field: message), one per line. */
  static String message(String body) {
    var parsed = SourceParser.parseJson("status.json", body);
    if (parsed.hasErrors() || parsed.documents().isEmpty()
        || !(parsed.documents().get(0) instanceof SourceNode.MapNode status)) {
      return body.trim();
    }
    StringBuilder sb = new StringBuilder(text(status, "message"));
    if (status.fields().get("details") != null
        && status.fields().get("details").value() instanceof SourceNode.MapNode details
        && details.fields().get("causes") != null
        && details.fields().get("causes").value() instanceof SourceNode.ListNode causes) {
      for (var c : causes.items()) {
        if (c instanceof SourceNode.MapNode cause) {
          String field = text(cause, "field");
          sb.append("\n  ").append(field.isEmpty() ? "" : field + ": ").append(text(cause, "message"));
        }
      }
    }
    return sb.toString();
  }

  private static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }

  private static Resource decode(String json) {
    return ResourceDecoder.decodeOne("server.json", json);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
