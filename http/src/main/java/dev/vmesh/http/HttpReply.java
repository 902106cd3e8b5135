package dev.vmesh.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** {@code HttpReply} is a whole answer: status, content type, body and extra headers. */
public record HttpReply(int status, String contentType, byte[] body, List<Map.Entry<String, String>> headers) {

  public static HttpReply text(int status, String body) {
    return new HttpReply(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), List.of());
  }

  public static HttpReply json(int status, String body) {
    return new HttpReply(status, "application/json", body.getBytes(StandardCharsets.UTF_8), List.of());
  }
}
