package dev.vmesh.api;

import dev.vmesh.api.codec.Position;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code Problem} is one thing wrong (or worth knowing) about user input: where it is (file, line,
 * column, field path) and what to do. It prints as {@code file:line:col: path: message}.
 */
public record Problem(Severity severity, String source, Position position, String path, String message) {

  /** How serious a problem is. Errors make an object invalid; warnings and notices do not. */
  public enum Severity {
    ERROR,
    WARNING,
    NOTICE
  }

  public Problem {
    Objects.requireNonNull(severity, "severity");
    source = Objects.requireNonNullElse(source, "");
    position = Objects.requireNonNullElse(position, Position.UNKNOWN);
    path = Objects.requireNonNullElse(path, "");
    Objects.requireNonNull(message, "message");
  }

  public static Problem error(String path, String message) {
    return new Problem(Severity.ERROR, "", Position.UNKNOWN, path, message);
  }

  public static Problem warning(String path, String message) {
    return new Problem(Severity.WARNING, "", Position.UNKNOWN, path, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  public Problem at(String newSource, Position newPosition) {
    return new Problem(severity, newSource, newPosition, path, message);
  }

  /** The problem with its path placed under {@code prefix} (e.g. {@code spec} + {@code hosts[0]}). */
  public Problem under(String prefix) {
    if (prefix.isEmpty()) {
      return this;
    }
    String joined = path.isEmpty() ? prefix : path.startsWith("[") ? prefix + path : prefix + "." + path;
    return new Problem(severity, source, position, joined, message);
  }

  /** The problem as a plain tree for JSON output: severity, file, line, column, path, message. */
  public Map<String, Object> toTree() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("severity", severity.name());
    m.put("file", source);
    m.put("line", position.line());
    m.put("column", position.column());
    m.put("path", path);
    m.put("message", message);
    return m;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (!source.isEmpty()) {
      sb.append(source).append(':');
      if (position.isKnown()) {
        sb.append(position).append(':');
      }
      sb.append(' ');
    }
    if (severity == Severity.WARNING) {
      sb.append("warning: ");
    } else if (severity == Severity.NOTICE) {
      sb.append("notice: ");
    }
    if (!path.isEmpty()) {
      sb.append(path).append(": ");
    }
    return sb.append(message).toString();
  }
}
