package dev.vmesh.cli;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.proto.Wire;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
    List<SourceNode.MapNode> proxies = list.items().stream().map(n -> (SourceNode.MapNode) n).toList();
    List<String> types = typeColumns(proxies);
    List<String> header = new ArrayList<>(List.of("PROXY", "XDS", "NAMESPACE", "IP"));
    types.forEach(t -> header.add(t.toUpperCase(Locale.ROOT)));
    header.add("REGISTRATION");
    header.add("VERSION");
    Table table = new Table(header.toArray(String[]::new));
    List<String> nacks = new ArrayList<>();
    for (SourceNode.MapNode m : proxies) {
      List<Object> row = new ArrayList<>(List.of(text(m, "connectionId"), text(m, "protocol"),
          text(m, "namespace"), text(m, "ip")));
      SourceNode.MapNode subscribed = (SourceNode.MapNode) m.fields().get("types").value();
      for (String type : types) {
        var t = subscribed.fields().get(type);
        String state = t == null ? "-" : state((SourceNode.MapNode) t.value());
        row.add(state);
        if ("NACKED".equals(state)) {
          SourceNode.MapNode tm = (SourceNode.MapNode) t.value();
          nacks.add(row.get(0) + " " + type.toUpperCase(Locale.ROOT) + " at " + Table.time(text(tm, "lastNackAt"))
              + ": " + text(tm, "lastNack"));
        }
      }
      row.add(registration(m));
      row.add(version(m));
      table.row(row.toArray());
    }
    if (proxies.isEmpty()) {
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

  /**
   * The type columns: every type a proxy subscribes to, by the short name the server gives it. The
   * server lists each proxy's types in its push order; the columns keep that order (a type comes after
   * every type some proxy lists before it), ties in the order first seen.
   */
  static List<String> typeColumns(List<SourceNode.MapNode> proxies) {
    List<List<String>> lists = new ArrayList<>();
    Set<String> all = new LinkedHashSet<>();
    for (SourceNode.MapNode m : proxies) {
      var f = m.fields().get("types");
      if (f != null && f.value() instanceof SourceNode.MapNode t) {
        List<String> names = List.copyOf(t.fields().keySet());
        lists.add(names);
        all.addAll(names);
      }
    }
    List<String> out = new ArrayList<>();
    while (out.size() < all.size()) {
      String next = null;
      for (String candidate : all) {
        if (!out.contains(candidate) && lists.stream().noneMatch(l -> l.contains(candidate)
            && l.subList(0, l.indexOf(candidate)).stream().anyMatch(before -> !out.contains(before)))) {
          next = candidate;
          break;
        }
      }
      if (next == null) { // proxies disagree on the order (servers of different versions): first seen wins
        next = all.stream().filter(c -> !out.contains(c)).findFirst().orElseThrow();
      }
      out.add(next);
    }
    return out;
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

  /**
   * The version a proxy announced: a vmesh agent's {@code VMESH_VERSION}, else {@code ISTIO_VERSION}
   * (istio-agent, Envoy bootstraps that set it), else {@code -}.
   */
  static String version(SourceNode.MapNode proxy) {
    var f = proxy.fields().get("metadata");
    if (f != null && f.value() instanceof SourceNode.MapNode md) {
      for (String key : List.of(Wire.Meta.VMESH_VERSION, Wire.Meta.ISTIO_VERSION)) {
        if (!text(md, key).isEmpty()) {
          return text(md, key);
        }
      }
    }
    return "-";
  }

  /** {@code namespace/name} of the WorkloadEntry each connected proxy is registered as, to its version. */
  static Map<String, String> versionsByWorkloadEntry(String syncz) {
    Map<String, String> out = new HashMap<>();
    var parsed = SourceParser.parseJson("syncz.json", syncz);
    if (!parsed.documents().isEmpty() && parsed.documents().get(0) instanceof SourceNode.ListNode list) {
      for (SourceNode n : list.items()) {
        if (n instanceof SourceNode.MapNode m && !text(m, "workloadEntry").isEmpty()) {
          String we = text(m, "workloadEntry");
          out.put(we.contains("/") ? we : text(m, "namespace") + "/" + we, version(m));
        }
      }
    }
    return out;
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
