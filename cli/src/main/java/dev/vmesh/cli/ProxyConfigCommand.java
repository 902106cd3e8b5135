package dev.vmesh.cli;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh proxy-config}: what the server sent one connected proxy (clusters, endpoints, listeners,
 * routes, name table), from the server's {@code /debug/config_dump}.
 */
@Command(name = "proxy-config", mixinStandardHelpOptions = true,
    description = {"Show what a running server sent one connected proxy: every cluster, endpoint assignment,"
        + " listener, route and name table it holds, the version it was sent, and whether the server would send"
        + " the same now.",
        "PROXY is a connection id from vmesh proxy-status, or the proxy's node id or IP when one connection has it."})
final class ProxyConfigCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerConnection connection;

  @Parameters(paramLabel = "PROXY", description = "Connection id, node id or IP of a connected proxy.")
  String proxy;

  @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
      description = "table (one line per resource) or json (the resources themselves) (default: table).")
  String output;

  @Override
  public Integer call() {
    if (!output.equals("table") && !output.equals("json")) {
      spec.commandLine().getErr().println("vmesh proxy-config: -o must be table or json, not \"" + output + "\"");
      return 2;
    }
    AdminClient client = new AdminClient(connection.server(), connection.token());
    String id = connectionId(client);
    if (id == null) {
      return 1;
    }
    String json = client.call("GET", "/debug/config_dump?proxy=" + URLEncoder.encode(id, StandardCharsets.UTF_8),
        null);
    if (output.equals("json")) {
      spec.commandLine().getOut().print(json);
      return 0;
    }
    var dump = (SourceNode.MapNode) SourceParser.parseJson("config_dump.json", json).documents().get(0);
    spec.commandLine().getOut().println("proxy " + text(dump, "proxy") + " (connection " + id + ")");
    Table table = new Table("TYPE", "NAME", "VERSION SENT", "CURRENT");
    var types = (SourceNode.MapNode) dump.fields().get("types").value();
    for (var type : types.fields().values()) {
      for (SourceNode n : ((SourceNode.ListNode) type.value()).items()) {
        var e = (SourceNode.MapNode) n;
        table.row(type.key(), text(e, "name"), text(e, "versionSent"), "true".equals(text(e, "current")) ? "yes"
            : "no (changed since)");
      }
    }
    table.print(spec.commandLine().getOut());
    return 0;
  }

  /** The connection id {@link #proxy} names: itself, or the one connection with that node id or IP. */
  private String connectionId(AdminClient client) {
    var parsed = SourceParser.parseJson("syncz.json", client.syncz());
    List<SourceNode> items = parsed.documents().isEmpty() || !(parsed.documents().get(0) instanceof SourceNode.ListNode l)
        ? List.of() : l.items();
    List<String> matches = items.stream().map(n -> (SourceNode.MapNode) n)
        .filter(m -> text(m, "connectionId").equals(proxy) || text(m, "proxy").equals(proxy)
            || text(m, "ip").equals(proxy))
        .map(m -> text(m, "connectionId")).distinct().toList();
    if (matches.contains(proxy) || matches.size() == 1) {
      return matches.contains(proxy) ? proxy : matches.get(0);
    }
    spec.commandLine().getErr().println("vmesh proxy-config: " + (matches.isEmpty()
        ? "no connected proxy is \"" + proxy + "\"" : matches.size() + " connections match \"" + proxy + "\": "
        + String.join(", ", matches)) + "; vmesh proxy-status lists the connected proxies and their ids");
    return null;
  }

  private static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }
}
