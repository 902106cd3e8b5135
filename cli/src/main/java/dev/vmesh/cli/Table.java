package dev.vmesh.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code Table} prints rows in columns as wide as their widest cell, three spaces apart (as kubectl
 * does), so that long names never run into the next column; and formats the times tables show.
 */
final class Table {
  private static final String GAP = "   ";

  private final List<String> headers;
  private final List<List<String>> rows = new ArrayList<>();

  Table(String... headers) {
    this.headers = List.of(headers);
  }

  Table row(Object... cells) {
    if (cells.length != headers.size()) {
      throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns");
    }
    List<String> row = new ArrayList<>();
    for (Object c : cells) {
      String text = c == null ? "" : c.toString();
      row.add(text.isEmpty() ? "-" : text);
    }
    rows.add(row);
    return this;
  }

  void print(PrintWriter out) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = headers.get(i).length();
      for (List<String> r : rows) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    line(out, headers, widths);
    rows.forEach(r -> line(out, r, widths));
    out.flush();
  }

  private static void line(PrintWriter out, List<String> cells, int[] widths) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      if (i == cells.size() - 1) {
        sb.append(cells.get(i));
      } else {
        sb.append(cells.get(i)).append(" ".repeat(widths[i] - cells.get(i).length())).append(GAP);
      }
    }
    out.println(sb.toString().stripTrailing());
  }

  /** An RFC 3339 time as the server sends it, to the second ({@code 2026-01-02T03:04:05Z}); else as given. */
  static String time(String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) {
      return "";
    }
    try {
      return Instant.parse(rfc3339).truncatedTo(ChronoUnit.SECONDS).toString();
    } catch (DateTimeParseException e) {
      return rfc3339;
    }
  }

  /** How long ago {@code since} was, as kubectl's AGE column: 45s, 12m, 3h, 2d. */
  static String age(Instant since, Instant now) {
    if (since == null) {
      return "";
    }
    Duration d = Duration.between(since, now);
    return d.toDays() > 0 ? d.toDays() + "d" : d.toHours() > 0 ? d.toHours() + "h" : d.toMinutes() > 0
        ? d.toMinutes() + "m" : Math.max(0, d.toSeconds()) + "s";
  }
}
