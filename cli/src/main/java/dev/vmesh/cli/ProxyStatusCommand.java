package dev.vmesh.cli;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh proxy-status}: one line per connected proxy, per type whether it has acknowledged the
 * last response (SYNCED), rejected it (NACKED), not yet answered (STALE), or got nothing (-), and the
 * WorkloadEntry it is registered as or why it has none (REGISTRATION); then what each NACK said, and
 * the streams the server refused lately (auto-registration refusals among them), with the reason.
 */
@Command(name = "proxy-status", mixinStandardHelpOptions = true,
    description = "Show the proxies connected to a running server and whether each is in sync.")
final class ProxyStatusCommand implements Callable<Integer> {
  private static final List<String> TYPES = List.of("cds", "lds", "eds", "rds", "nds");

  @Spec
  CommandSpec spec;

  @Mixin
  ServerConnection connection;

  @Override
  public Integer call() {
    AdminClient client = new AdminClient(connection.server(), connection.token());
    String json = client.syncz();
    var parsed = SourceParser.parseJson("syncz.json", json);
    if (parsed.documents().isEmpty() || !(parsed.documents().get(0) instanceof SourceNode.ListNode list)) {
      spec.commandLine().getErr().println("vmesh proxy-status: " + connection.server() + "/debug/syncz did not"
          + " answer a JSON list; is that a vmesh server?");
      return 1;
    }
    PrintWriter out = spec.commandLine().getOut();
    List<String> nacks = new java.util.ArrayList<>();
    Table table = new Table("PROXY", "XDS", "NAMESPACE", "IP", "CDS", "LDS", "EDS", "RDS", "NDS", "REGISTRATION");
    for (SourceNode n : list.items()) {
      SourceNode.MapNode m = (SourceNode.MapNode) n;
      Object[] row = new Object[10];
      row[0] = text(m, "connectionId");
      row[1] = text(m, "protocol");
      row[2] = text(m, "namespace");
      row[3] = text(m, "ip");
      SourceNode.MapNode types = (SourceNode.MapNode) m.fields().get("types").value();
      for (int i = 0; i < TYPES.size(); i++) {
        var t = types.fields().get(TYPES.get(i));
        row[4 + i] = t == null ? "-" : state((SourceNode.MapNode) t.value());
        if ("NACKED".equals(row[4 + i])) {
          SourceNode.MapNode tm = (SourceNode.MapNode) t.value();
          nacks.add(row[0] + " " + TYPES.get(i).toUpperCase() + " at " + Table.time(text(tm, "lastNackAt")) + ": "
              + text(tm, "lastNack"));
        }
      }
      row[9] = registration(m);
      table.row(row);
    }
    if (list.items().isEmpty()) {
      out.println("No proxies connected.");
    } else {
      table.print(out);
    }
    if (!nacks.isEmpty()) {
      out.println();
      out.println("NACKED (the proxy's error_detail):");
      nacks.forEach(line -> out.println("  " + line));
    }
    var refused = SourceParser.parseJson("refusedz.json", client.refusedz());
    if (!refused.documents().isEmpty() && refused.documents().get(0) instanceof SourceNode.ListNode r
        && !r.items().isEmpty()) {
      out.println();
      out.println("REFUSED lately (most recent first; the stream was closed with this status):");
      for (SourceNode n : r.items()) {
        SourceNode.MapNode m = (SourceNode.MapNode) n;
        out.println("  " + Table.time(text(m, "at")) + " " + text(m, "proxy") + " " + text(m, "reason")
            + " " + text(m, "status") + ": " + text(m, "message"));
      }
    }
    return 0;
  }

  /** The entry a proxy is registered as, {@code refused: reason}, or {@code -} when it asked for none. */
  private static String registration(SourceNode.MapNode m) {
    var f = m.fields().get("registration");
    if (f == null || !(f.value() instanceof SourceNode.MapNode r)) {
      return text(m, "workloadEntry").isEmpty() ? "-" : text(m, "workloadEntry");
    }
    return text(r, "state").equals("registered") ? text(m, "workloadEntry")
        : text(r, "state") + ": " + text(r, "reason");
  }

  private static String state(SourceNode.MapNode t) {
    if (text(t, "versionSent").isEmpty()) {
      return "-";
    }
    if (!text(t, "lastNack").isEmpty() && !text(t, "versionAcked").equals(text(t, "versionSent"))) {
      return "NACKED";
    }
    return text(t, "versionAcked").equals(text(t, "versionSent")) ? "SYNCED" : "STALE";
  }

  private static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }
}
