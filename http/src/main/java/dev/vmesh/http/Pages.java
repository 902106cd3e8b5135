package dev.vmesh.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** {@code Pages} are the small pages server and agent share: {@code /healthz}, {@code /version} and a debug index. */
public final class Pages {
  private Pages() {}

  /** vmesh's version as the build stamped it ("unknown" outside a build). */
  public static String version() {
    Properties p = new Properties();
    try (InputStream in = Pages.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String v = p.getProperty("version", "unknown");
    return v.startsWith("${") ? "unknown" : v;
  }

  /** {@code /healthz}: the process is up and serving HTTP (liveness; readiness is a separate page). */
  public static HttpReply healthz() {
    return HttpReply.text(200, "ok\n");
  }

  /** {@code /version}: {"version": ..., "java": ...}. */
  public static HttpReply versionJson() {
    return HttpReply.json(200, "{\n  \"version\": \"" + version() + "\",\n  \"java\": \"" + Runtime.version()
        + "\"\n}\n");
  }

  /** A plain-text index: one line per page with what it shows, as {@code path  description}. */
  public static HttpReply index(String title, List<Map.Entry<String, String>> pages) {
    int width = pages.stream().mapToInt(e -> e.getKey().length()).max().orElse(0);
    StringBuilder b = new StringBuilder(title).append('\n');
    for (Map.Entry<String, String> e : pages) {
      b.append("  ").append(e.getKey()).append(" ".repeat(width - e.getKey().length() + 2)).append(e.getValue())
          .append('\n');
    }
    return HttpReply.text(200, b.toString());
  }
}
