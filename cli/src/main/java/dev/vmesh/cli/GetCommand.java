package dev.vmesh.cli;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.codec.ResourceWriter;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmesh get}: lists or shows objects on a running server. */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Show objects on a running server: KIND is serviceentries (se), workloadentries (we) or workloadgroups (wg).")
final class GetCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerConnection connection;

  @Parameters(index = "0", paramLabel = "KIND", description = "se, we, wg (or their full names).")
  String kindName;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One object; all when omitted.")
  String name;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NS",
      description = "Namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = {"-A", "--all-namespaces"}, description = "List across all namespaces.")
  boolean all;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "Label selector, e.g. app=foo.")
  String selector;

  @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
      description = "table, wide, yaml or json (default: ${DEFAULT-VALUE}).")
  String output;

  @Override
  public Integer call() {
    Kind kind = ServerConnection.kind(kindName);
    AdminClient client = new AdminClient(connection.server(), connection.token());
    PrintWriter out = spec.commandLine().getOut();
    List<Resource> items;
    if (name != null) {
      var r = client.get(new ResourceKey(kind, namespace, name));
      if (r.isEmpty()) {
        spec.commandLine().getErr().println(kind.kindName() + " " + namespace + "/" + name + " not found");
        return 1;
      }
      items = List.of(r.get());
    } else {
      items = client.list(kind, all ? null : namespace, selector);
    }
    switch (output) {
      case "yaml" -> out.print(items.size() == 1 && name != null ? ResourceWriter.yaml(items.get(0))
          : ResourceWriter.yaml(items));
      case "json" -> out.println(items.size() == 1 && name != null ? ResourceWriter.json(items.get(0), true)
          : ResourceWriter.jsonList(items, true));
      case "table", "wide" -> table(out, kind, items, output.equals("wide"));
      default -> {
        spec.commandLine().getErr().println("vmesh get: -o must be table, wide, yaml or json");
        return 2;
      }
    }
    return 0;
  }

  private static void table(PrintWriter out, Kind kind, List<Resource> items, boolean wide) {
    if (items.isEmpty()) {
      out.println("No resources found.");
      return;
    }
    String fmt = "%-14s %-28s %-40s %-8s%s%n";
    String header = switch (kind) {
      case SERVICE_ENTRY -> "HOSTS LOCATION/RESOLUTION";
      case WORKLOAD_ENTRY -> "ADDRESS";
      case WORKLOAD_GROUP -> "";
    };
    out.printf(fmt, "NAMESPACE", "NAME", header, "AGE", wide ? "   LABELS" : "");
    for (Resource r : items) {
      String col = switch (r.spec()) {
        case ServiceEntrySpec s -> String.join(",", s.hosts()) + " " + s.location() + "/" + s.resolution();
        case WorkloadEntrySpec w -> w.address();
        default -> "";
      };
      String labels = wide ? "   " + r.metadata().labels().entrySet().stream().sorted(java.util.Map.Entry
          .comparingByKey()).map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")) : "";
      out.printf(fmt, r.namespace(), r.name(), col, age(r.metadata().creationTimestamp()), labels);
    }
  }

  static String age(Instant created) {
    if (created == null) {
      return "-";
    }
    Duration d = Duration.between(created, Instant.now());
    return d.toDays() > 0 ? d.toDays() + "d" : d.toHours() > 0 ? d.toHours() + "h" : d.toMinutes() > 0
        ? d.toMinutes() + "m" : Math.max(0, d.toSeconds()) + "s";
  }
}
