package dev.vmesh.controlplane.http;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.TreeWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code KubeStatus} is an error answer in the shape of a Kubernetes {@code Status}: code, reason, message,
 * and for invalid objects one cause per problem (field path and message).
 */
public record KubeStatus(int code, String reason, String message, List<Problem> causes) {

  public static KubeStatus failure(int code, String reason, String message) {
    return new KubeStatus(code, reason, message, List.of());
  }

  public String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("apiVersion", "v1");
    m.put("kind", "Status");
    m.put("status", "Failure");
    m.put("code", code);
    m.put("reason", reason);
    m.put("message", message);
    if (!causes.isEmpty()) {
      m.put("details", Map.of("causes", causes.stream().map(p -> {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("field", p.path());
        c.put("message", p.message());
        c.put("severity", p.severity().name());
        if (p.position().isKnown()) {
          c.put("line", p.position().line());
          c.put("column", p.position().column());
        }
        return c;
      }).toList()));
    }
    return TreeWriter.json(m, true) + "\n";
  }
}
