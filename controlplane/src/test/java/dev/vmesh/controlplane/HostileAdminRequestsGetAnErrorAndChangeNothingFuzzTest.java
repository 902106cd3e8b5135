package dev.vmesh.controlplane;

import dev.vmesh.api.Resource;
import dev.vmesh.api.fuzz.ConfigTexts;
import dev.vmesh.api.fuzz.FuzzBudget;
import dev.vmesh.api.fuzz.FuzzRun;
import dev.vmesh.store.ListOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's HTTP port (admin API, token admin, debug pages) against raw requests from
 * {@link AdminRequests}, through a real server on loopback: every request gets a status line (or, for
 * broken framing, a closed connection) within the timeout, never a 5xx; without the admin token no
 * admin route answers 2xx, no answer carries a secret, and no request changes the store or the token
 * ledger; after every batch the server still answers readiness, lists and writes; the heap does not
 * grow with the requests.
 */
@Tag("fuzz")
class HostileAdminRequestsGetAnErrorAndChangeNothingFuzzTest {
  static final int PER_REQUEST_MS = 10_000;
  static final int BATCH = 200;

  @TempDir
  Path tmp;

  @Test
  void everyRequestGetsAnAnswerAndOnlyTheAdminChangesAnything() throws Exception {
    ConfigTexts texts = ConfigTexts.create();
    try (TlsServer s = new TlsServer(tmp, HostileXdsStreamsSeeOnlyWhatTheirCredentialsProveFuzzTest.MESH);
        FuzzRun run = FuzzRun.start("admin_api", FuzzBudget.of(2_000, 500_000))) {
      String admin = s.server.adminToken();
      String bootstrap = s.token("fz", "sa", false);
      while (run.next()) {
        AdminRequests req = AdminRequests.generate(run.random(), texts, admin, bootstrap);
        String before = req.authorized() || !req.writes() ? null : fingerprint(s);
        judge(run, s, req, send(s, req), admin, bootstrap);
        if (before != null && !before.equals(fingerprint(s))) {
          run.forgery(req.describe(), "a request without the admin token changed the store or the token ledger");
        }
        boolean warm = run.warmedUp(BATCH - 1); // once: after the first batch or a fifth of the time
        if (run.tried() % BATCH == 0 || warm) {
          stillServes(run, s);
          if (warm) {
            run.baseline();
          }
        }
      }
      stillServes(run, s);
      run.finish(48L << 20);
    }
  }

  /** What came back: the raw response, or null with the reason. */
  private record Answer(String text, String failure, boolean hung) {
    int status() {
      if (text == null || !text.startsWith("HTTP/1.") || text.length() < 12) {
        return -1;
      }
      try {
        return Integer.parseInt(text.substring(9, 12));
      } catch (NumberFormatException e) {
        return -1;
      }
    }
  }

  private static Answer send(TlsServer s, AdminRequests req) {
    try (Socket socket = new Socket(s.server.httpAddress().getAddress(), s.server.httpAddress().getPort())) {
      socket.setSoTimeout(PER_REQUEST_MS);
      try {
        socket.getOutputStream().write(req.bytes());
        if (req.halfClose()) {
          socket.shutdownOutput();
        }
      } catch (IOException e) {
        // the server may answer and close before reading all of a refused request: read what it said
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buf = new byte[65536];
      try {
        for (int n; (n = in.read(buf)) > 0 && got.size() < (64 << 20); ) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        if (got.size() == 0) {
          return new Answer(null, "no answer and no close within " + PER_REQUEST_MS + " ms", true);
        }
      } catch (IOException e) {
        if (got.size() == 0) {
          return new Answer(null, "connection " + e.getMessage(), false);
        }
      }
      return new Answer(got.toString(StandardCharsets.ISO_8859_1), got.size() == 0 ? "closed without an answer" : null,
          false);
    } catch (IOException e) {
      return new Answer(null, "cannot connect: " + e, false);
    }
  }

  private static void judge(FuzzRun run, TlsServer s, AdminRequests req, Answer a, String admin, String bootstrap) {
    if (a.hung()) {
      run.hang(req.describe(), a.failure());
      return;
    }
    int status = a.status();
    if (status < 0) {
      run.outcome("no_answer");
      if (a.failure() != null && a.failure().startsWith("cannot connect")) {
        run.crash(req.describe(), a.failure());
      } else if (req.wellFormed()) {
        run.wrong(req.describe(), "a well-formed request got no answer: " + a.failure());
      }
      return;
    }
    run.outcome(status / 100 + "xx");
    if (status >= 500) {
      run.crash(req.describe(), "answered " + firstLines(a.text()));
    }
    if (!req.authorized() && status < 300) {
      String target = normalized(req.path());
      if (target.startsWith("/apis") || target.startsWith("/admin")) {
        run.forgery(req.describe(), "an admin route answered without the admin token: " + firstLines(a.text()));
      }
      for (String secret : new String[] {admin, bootstrap, "PRIVATE KEY"}) {
        if (a.text().contains(secret)) {
          run.forgery(req.describe(), "an answer without the admin token holds a secret: " + firstLines(a.text()));
        }
      }
    }
  }

  /** The path as a lenient server might resolve it: decoded, dot segments removed, lower case. */
  private static String normalized(String path) {
    String p = path;
    int q = p.indexOf('?');
    p = q < 0 ? p : p.substring(0, q);
    try {
      p = URLDecoder.decode(p.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      // keep it raw
    }
    try {
      p = URI.create("http://h" + (p.startsWith("/") ? "" : "/") + p.replaceAll("/+", "/")).normalize().getPath();
    } catch (IllegalArgumentException e) {
      // keep it as decoded
    }
    return p == null ? "" : p.toLowerCase(Locale.ROOT);
  }

  /** The store's objects and versions, and the token ledger's files: what a forged write would change. */
  private static String fingerprint(TlsServer s) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Resource r : s.server.store().list(ListOptions.all()).items()) {
      sb.append(r.key()).append('@').append(r.resourceVersion()).append(';');
    }
    try (Stream<Path> files = Files.walk(s.dataDir().resolve("tokens"))) {
      files.sorted().forEach(f -> sb.append(f).append(':').append(f.toFile().length()).append(';'));
    }
    return sb.toString();
  }

  /** Readiness, an authenticated list, and a create and delete still work. */
  private static void stillServes(FuzzRun run, TlsServer s) {
    String where = "(after " + run.tried() + " requests)";
    try {
      var ready = s.http("GET", "/ready", null);
      var list = s.http("GET", "/apis/networking.istio.io/v1/workloadentries", null);
      var created = s.http("POST", "/apis/networking.istio.io/v1/namespaces/fz/workloadentries",
          "{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"WorkloadEntry\", \"metadata\": {\"name\": \"live\","
              + " \"namespace\": \"fz\"}, \"spec\": {\"address\": \"10.9.9.9\"}}");
      var deleted = s.http("DELETE", "/apis/networking.istio.io/v1/namespaces/fz/workloadentries/live", null);
      if (ready.statusCode() != 200 || list.statusCode() != 200 || created.statusCode() != 201
          || deleted.statusCode() != 200) {
        run.crash(where, "the server no longer serves: ready " + ready.statusCode() + ", list " + list.statusCode()
            + ", create " + created.statusCode() + " " + created.body() + ", delete " + deleted.statusCode());
      }
    } catch (Exception e) {
      run.crash(where, e);
    }
  }

  private static String firstLines(String text) {
    String t = text.length() > 400 ? text.substring(0, 400) + "..." : text;
    return t.replace("\r\n", " | ");
  }
}
