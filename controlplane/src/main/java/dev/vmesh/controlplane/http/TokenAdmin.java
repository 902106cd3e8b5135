package dev.vmesh.controlplane.http;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.ca.BootstrapTokens;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code TokenAdmin} is the admin API for bootstrap tokens: {@code POST /admin/tokens} with
 * {@code {"namespace", "serviceAccount", "ttlSeconds", "singleUse"}} issues one; {@code GET /admin/tokens}
 * lists them (never the token text); {@code DELETE /admin/tokens/{id}} revokes one, which also stops
 * certificate renewals descending from it.
 */
public final class TokenAdmin implements Http.Handler {
  public static final String PREFIX = "/admin/tokens";
  private final BootstrapTokens tokens;

  public TokenAdmin(BootstrapTokens tokens) {
    this.tokens = tokens;
  }

  @Override
  public Http.Response handle(Http.Request req) throws IOException {
    String rest = req.path().substring(PREFIX.length());
    if (req.method().equals("POST") && rest.isEmpty()) {
      return create(req);
    }
    if (req.method().equals("GET") && rest.isEmpty()) {
      List<Object> out = tokens.ledger().list().stream().<Object>map(t -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("namespace", t.namespace());
        m.put("serviceAccount", t.serviceAccount());
        m.put("expires", t.expires().toString());
        m.put("singleUse", t.singleUse());
        m.put("used", t.used());
        m.put("revoked", t.revoked());
        return m;
      }).toList();
      return Http.Response.json(200, TreeWriter.json(out, true) + "\n");
    }
    if (req.method().equals("DELETE") && rest.startsWith("/")) {
      String id = rest.substring(1);
      return tokens.ledger().revoke(id) ? Http.Response.json(200, "{\"revoked\": \"" + id + "\"}\n")
          : Http.Response.json(404, KubeStatus.failure(404, "NotFound", "no token " + id + " was issued here").json());
    }
    return Http.Response.json(405, KubeStatus.failure(405, "MethodNotAllowed", req.method() + " " + req.path()).json());
  }

  private Http.Response create(Http.Request req) {
    var parsed = SourceParser.parseJson("request body", req.bodyText());
    if (parsed.hasErrors() || parsed.documents().size() != 1 || !(parsed.documents().get(0) instanceof SourceNode.MapNode m)) {
      return bad("the body must be a JSON object: {\"namespace\": ..., \"serviceAccount\": ..., \"ttlSeconds\": 3600}");
    }
    String ns = text(m, "namespace");
    String sa = text(m, "serviceAccount");
    String ttlText = text(m, "ttlSeconds");
    long ttl;
    try {
      ttl = ttlText.isEmpty() ? 3600 : Long.parseLong(ttlText);
    } catch (NumberFormatException e) {
      return bad("ttlSeconds must be a number of seconds");
    }
    try {
      BootstrapTokens.Token t = tokens.issue(ns, sa, Duration.ofSeconds(ttl), "true".equals(text(m, "singleUse")));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("id", t.id());
      out.put("token", t.jwt());
      out.put("expires", t.expires().toString());
      return Http.Response.json(201, TreeWriter.json(out, true) + "\n");
    } catch (IllegalArgumentException e) {
      return bad(e.getMessage());
    }
  }

  private static Http.Response bad(String message) {
    return Http.Response.json(400, KubeStatus.failure(400, "BadRequest", message).json());
  }

  private static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }
}
