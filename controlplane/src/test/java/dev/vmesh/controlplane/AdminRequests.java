package dev.vmesh.controlplane;

import dev.vmesh.api.fuzz.ConfigTexts;
import dev.vmesh.api.fuzz.Mutate;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/**
 * HTTP requests to the server's port for the fuzzer, written byte by byte so that they can be wrong in
 * every way: methods, paths (every admin route, traversals, encodings, odd queries), the authorization
 * header (the admin token, none, a near miss, a bootstrap token, another scheme), framing (a
 * Content-Length that lies, broken chunks, huge or malformed headers) and bodies (config texts good and
 * hostile, token requests, random bytes, one byte over the body limit).
 *
 * @param bytes the request as sent
 * @param authorized whether it carries the admin token (as {@code Bearer}, in any case)
 * @param writes whether its method may change something
 * @param wellFormed whether it is a proper HTTP/1.1 request (a usual method, an honest Content-Length, no odd
 *     headers), which must get an answer whatever its path, credentials or body
 * @param halfClose whether the client shuts its side of the connection down after sending (as {@code nc -N}
 *     does), which must not cost it the answer; always for requests that are not well-formed
 * @param describe a short form for failure reports
 */
record AdminRequests(byte[] bytes, boolean authorized, boolean writes, String path, boolean wellFormed,
    boolean halfClose, String describe) {
  static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3", "v2", "", "V1");
  static final List<String> PLURALS = List.of("serviceentries", "workloadentries", "workloadgroups", "ServiceEntries",
      "pods", "", "workloadentries.networking.istio.io");
  static final List<String> SEGMENTS = List.of("fz", "ns1", "a", "", "..", ".", "%2e%2e", "%2F", "a%00b", "NS",
      "a".repeat(300), "x y", "ü", "*", "%zz");
  static final List<String> QUERIES = List.of("", "?resourceVersion=1", "?resourceVersion=", "?labelSelector=app%3Dfoo",
      "?labelSelector=app+in+(a,b", "?labelSelector=%zz", "?labelSelector=!x,a!=b", "?a=%", "?&&=&", "?watch=true",
      "?" + "a=b&".repeat(2000), "?labelSelector=" + "a".repeat(70) + "%3Db");
  static final List<String> OPEN = List.of("/ready", "/metrics", "/healthz", "/version", "/debug", "/debug/registryz",
      "/debug/configz", "/debug/config_errors", "/debug/syncz", "/debug/refusedz");

  /** One request; {@code adminToken} and {@code bootstrapToken} are the server's. */
  static AdminRequests generate(Random r, ConfigTexts texts, String adminToken, String bootstrapToken) {
    String method = method(r);
    String path = path(r);
    String auth;
    boolean authorized;
    switch (r.nextInt(10)) {
      case 0, 1, 2, 3, 4 -> {
        auth = "Bearer " + adminToken;
        authorized = true;
      }
      case 5 -> {
        auth = null;
        authorized = false;
      }
      case 6 -> {
        auth = Mutate.oneOf(r, "bearer ", "BEARER ", "Bearer  ") + adminToken;
        authorized = true;
      }
      case 7 -> {
        auth = "Bearer " + Mutate.text(r, adminToken, List.of("a", "=", " ", "\t", "0"), 2);
        authorized = auth.substring(7).strip().equals(adminToken);
      }
      case 8 -> {
        auth = "Bearer " + bootstrapToken; // a VM's credential is not the admin's
        authorized = false;
      }
      default -> {
        auth = Mutate.oneOf(r, "Basic YWRtaW46YWRtaW4=", "Bearer", "", "Token " + adminToken, adminToken);
        authorized = false;
      }
    }
    byte[] body = body(r, texts, path);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(r.nextInt(30) == 0 ? " HTTP/1.0" : " HTTP/1.1").append("\r\n");
    head.append("Host: 127.0.0.1\r\nConnection: close\r\n");
    if (auth != null) {
      head.append("Authorization: ").append(auth).append("\r\n");
    }
    if (r.nextInt(3) > 0) {
      head.append("Content-Type: ").append(Mutate.oneOf(r, "application/yaml", "application/json", "text/plain",
          "application/merge-patch+json", "multipart/form-data; boundary=x", "")).append("\r\n");
    }
    String framing = "length";
    switch (r.nextInt(12)) {
      case 0 -> {
        framing = "chunked";
        head.append("Transfer-Encoding: chunked\r\n");
        body = chunked(r, body);
      }
      case 1 -> {
        framing = "lying length";
        head.append("Content-Length: ").append(Math.max(0, body.length + r.nextInt(200) - 100)).append("\r\n");
      }
      case 2 -> {
        framing = "no length";
      }
      case 3 -> {
        framing = "odd headers";
        head.append(Mutate.oneOf(r, "X-A: " + "a".repeat(r.nextInt(70_000)) + "\r\n", "NoColon\r\n", " folded\r\n",
            "X-B: 1\r\n".repeat(r.nextInt(3000)), "Content-Length: 5\r\n", "Transfer-Encoding: gzip\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n");
      }
      default -> head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("\r\n");
    out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(body);
    boolean writes = !method.equals("GET") && !method.equals("HEAD");
    boolean wellFormed = framing.equals("length") && List.of("GET", "POST", "PUT", "DELETE").contains(method)
        && path.startsWith("/") && path.chars().noneMatch(c -> c <= ' ' || c >= 0x7f);
    boolean halfClose = !wellFormed || r.nextBoolean(); // a lying length must end, not wait for the body timeout
    return new AdminRequests(out.toByteArray(), authorized, writes, path, wellFormed, halfClose, method + " "
        + cut(path) + " auth=" + (auth == null ? "none" : cut(auth)) + " framing=" + framing
        + (halfClose ? " half-closed" : "") + " body=" + body.length + " bytes: "
        + cut(new String(body, 0, Math.min(body.length, 200), StandardCharsets.ISO_8859_1)));
  }

  private static String method(Random r) {
    return r.nextInt(12) == 0 ? Mutate.oneOf(r, "PATCH", "HEAD", "OPTIONS", "get", "TRACE", "CONNECT", "X".repeat(50), "")
        : Mutate.oneOf(r, "GET", "GET", "POST", "POST", "PUT", "DELETE");
  }

  private static String path(Random r) {
    if (r.nextInt(6) == 0) {
      return Mutate.oneOf(r, OPEN.toArray(String[]::new)) + (r.nextBoolean() ? "" : QUERIES.get(r.nextInt(QUERIES.size())));
    }
    String base;
    switch (r.nextInt(8)) {
      case 0 -> base = "/admin/tokens" + Mutate.oneOf(r, "", "/", "/0123456789abcdef0123456789abcdef", "/..", "x");
      case 1 -> base = Mutate.oneOf(r, "/admin/ca/root-cert.pem", "/admin/mesh", "/admin", "/admin/");
      case 2 -> base = Mutate.oneOf(r, "/debug/../admin/tokens", "/./admin/tokens", "//admin/tokens",
          "/%61dmin/tokens", "/ready/../apis/networking.istio.io/v1/workloadentries", "/apis/../admin/mesh",
          "/APIS/networking.istio.io/v1/workloadentries", "*", "http://127.0.0.1/admin/tokens", "/" + "a".repeat(9000));
      default -> {
        StringBuilder p = new StringBuilder("/apis/networking.istio.io/").append(pick(r, VERSIONS));
        int depth = r.nextInt(5);
        if (depth == 0) {
          p.append('/').append(pick(r, PLURALS));
        } else {
          p.append("/namespaces/").append(r.nextInt(3) > 0 ? "fz" : pick(r, SEGMENTS)).append('/').append(pick(r, PLURALS));
          if (depth > 1) {
            p.append('/').append(r.nextInt(3) > 0 ? "n" + r.nextInt(20) : pick(r, SEGMENTS));
          }
          if (depth > 3) {
            p.append(Mutate.oneOf(r, "/status", "/status/x", "/", "/scale"));
          }
        }
        base = p.toString();
      }
    }
    return base + (r.nextInt(3) == 0 ? QUERIES.get(r.nextInt(QUERIES.size())) : "");
  }

  private static byte[] body(Random r, ConfigTexts texts, String path) {
    return switch (r.nextInt(10)) {
      case 0 -> new byte[0];
      case 1 -> {
        byte[] b = new byte[r.nextInt(2000)];
        r.nextBytes(b);
        yield b;
      }
      case 2 -> new byte[8 * 1024 * 1024 + 1]; // one byte over the body limit
      case 3 -> Mutate.text(r, "{\"namespace\": \"fz\", \"serviceAccount\": \"sa\", \"ttlSeconds\": 3600, \"singleUse\": false}",
          List.of("-1", "1e309", "null", "\"", "{", "[]", "99999999999", "true"), 2).getBytes(StandardCharsets.UTF_8);
      case 4, 5 -> named(r, texts.next(r).text()).getBytes(StandardCharsets.UTF_8);
      default -> named(r, ConfigTexts.swapValues(r, texts.yamlSeeds().get(r.nextInt(texts.yamlSeeds().size()))))
          .getBytes(StandardCharsets.UTF_8);
    };
  }

  /** The fuzzer's objects live in namespace fz under 20 names, so that the store stays small. */
  private static String named(Random r, String text) {
    return text.replace("namespace: ns1", "namespace: fz").replace("namespace: vm", "namespace: fz")
        .replaceFirst("name: [a-z0-9-]+", "name: n" + r.nextInt(20));
  }

  private static byte[] chunked(Random r, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    while (at < body.length) {
      int n = Math.min(body.length - at, 1 + r.nextInt(4096));
      String size = r.nextInt(20) == 0 ? Mutate.oneOf(r, "zz", "-1", "fffffffffffffffff", "") : Integer.toHexString(n);
      out.writeBytes((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
      out.write(body, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
      at += n;
    }
    if (r.nextInt(5) > 0) {
      out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    }
    return out.toByteArray();
  }

  private static String pick(Random r, List<String> options) {
    return options.get(r.nextInt(options.size()));
  }

  private static String cut(String s) {
    return s.length() <= 120 ? s : s.substring(0, 120) + "...(" + s.length() + ")";
  }
}
