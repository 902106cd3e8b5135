package dev.vmesh.cli;

import dev.vmesh.api.Condition;
import dev.vmesh.api.GatewaySpec;
import dev.vmesh.api.Kind;
import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.VirtualServiceSpec;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.api.codec.ResourceWriter;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    description = "Show objects on a running server: KIND is serviceentries (se), workloadentries (we),"
        + " workloadgroups (wg) or peerauthentications (pa).")
final class GetCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerConnection connection;

  @Parameters(index = "0", paramLabel = "KIND", description = "se, we, wg, pa (or their full names).")
  String kindName;

  @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "One object; all when omitted.",
      converter = Inputs.ObjectName.class)
  String name;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NS",
      converter = Inputs.Namespace.class, description = "Namespace (default: default).")
  String namespace;

  @Option(names = {"-A", "--all-namespaces"}, description = "List across all namespaces.")
  boolean all;

  @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "Label selector, e.g. app=foo.")
  String selector;

  @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
      description = "table, wide (adds labels; for WorkloadEntries also the version of the agent connected as"
          + " each, from the server's /debug/syncz), yaml or json (default: table).")
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
      case "table" -> table(out, kind, items, false, Instant.now());
      case "wide" -> table(out, kind, items, true, Instant.now(), kind == Kind.WORKLOAD_ENTRY
          ? ProxyStatusCommand.versionsByWorkloadEntry(client.syncz()) : Map.of());
      default -> {
        spec.commandLine().getErr().println("vmesh get: -o must be table, wide, yaml or json");
        return 2;
      }
    }
    return 0;
  }

  /** One row per object, in columns as wide as their contents; -o wide adds the labels. */
  static void table(PrintWriter out, Kind kind, List<Resource> items, boolean wide, Instant now) {
    table(out, kind, items, wide, now, Map.of());
  }

  /**
   * As above; for WorkloadEntries -o wide also adds AGENT, the version of the agent connected as each
   * ({@code agentVersions}: {@code namespace/name} to version; {@code -} when none is connected).
   */
  static void table(PrintWriter out, Kind kind, List<Resource> items, boolean wide, Instant now,
      Map<String, String> agentVersions) {
    if (items.isEmpty()) {
      out.println("No resources found.");
      return;
    }
    List<String> headers = new ArrayList<>(switch (kind) {
      case SERVICE_ENTRY -> List.of("NAMESPACE", "NAME", "HOSTS", "LOCATION", "RESOLUTION", "PORTS", "AGE");
      case WORKLOAD_ENTRY -> List.of("NAMESPACE", "NAME", "ADDRESS", "HEALTH", "CONTROLLER", "CONNECTED", "AGE");
      case WORKLOAD_GROUP -> List.of("NAMESPACE", "NAME", "SERVICE ACCOUNT", "PORTS", "AGE");
      case PEER_AUTHENTICATION -> List.of("NAMESPACE", "NAME", "MODE", "SELECTOR", "PORT MODES", "AGE");
      case GATEWAY -> List.of("NAMESPACE", "NAME", "SELECTOR", "SERVERS", "AGE");
      case VIRTUAL_SERVICE -> List.of("NAMESPACE", "NAME", "GATEWAYS", "HOSTS", "ROUTES", "AGE");
      case SIDECAR -> List.of("NAMESPACE", "NAME", "SELECTOR", "EGRESS", "OUTBOUND", "AGE");
    });
    if (wide) {
      headers.add("LABELS");
      if (kind == Kind.WORKLOAD_ENTRY) {
        headers.add("AGENT");
      }
    }
    Table table = new Table(headers.toArray(String[]::new));
    for (Resource r : items) {
      List<Object> row = new ArrayList<>(List.of(r.namespace(), r.name()));
      switch (r.spec()) {
        case ServiceEntrySpec s -> row.addAll(List.of(String.join(",", s.hosts()), s.location(), s.resolution(),
            s.ports().stream().map(p -> p.number() + "/" + (p.protocol().isEmpty() ? "?" : p.protocol()))
                .collect(Collectors.joining(","))));
        case WorkloadEntrySpec w -> row.addAll(List.of(w.address(), health(r), annotation(r,
            WellKnown.WORKLOAD_CONTROLLER), connected(r)));
        case WorkloadGroupSpec g -> row.addAll(List.of(g.template() == null ? "" : g.template().serviceAccount(),
            g.template() == null ? "" : ports(g.template().ports())));
        case PeerAuthenticationSpec p -> row.addAll(List.of(p.mode(), p.selector() == null ? ""
            : labels(p.selector().labels()), ports(p.ports())));
        case GatewaySpec g -> row.addAll(List.of(labels(g.selector()), g.servers().stream().map(GetCommand::server)
            .collect(Collectors.joining(" "))));
        case VirtualServiceSpec v -> row.addAll(List.of(String.join(",", v.gateways()), String.join(",", v.hosts()),
            routes(v)));
        case SidecarSpec sc -> row.addAll(List.of(sc.workloadSelector() == null ? ""
            : labels(sc.workloadSelector().labels()), egress(sc), sc.outboundTrafficPolicy() == null ? ""
            : sc.outboundTrafficPolicy().effectiveMode()));
      }
      row.add(Table.age(r.metadata().creationTimestamp(), now));
      if (wide) {
        row.add(labels(r.metadata().labels()));
        if (kind == Kind.WORKLOAD_ENTRY) {
          row.add(agentVersions.getOrDefault(r.namespace() + "/" + r.name(), "-"));
        }
      }
      table.row(row.toArray());
    }
    table.print(out);
  }

  /** healthy / unhealthy (with the probe's reason) from the Healthy condition; - without health checks. */
  private static String health(Resource r) {
    return r.status().condition(Condition.HEALTHY).map(c -> "True".equals(c.status()) ? "healthy"
        : "unhealthy" + (c.reason().isEmpty() ? "" : " (" + c.reason() + ")")).orElse("");
  }

  /** Since when the VM's agent has been connected, or when it went away (auto-registered entries). */
  private static String connected(Resource r) {
    String at = annotation(r, WellKnown.CONNECTED_AT);
    String gone = annotation(r, WellKnown.DISCONNECTED_AT);
    if (!gone.isEmpty() && (at.isEmpty() || Table.time(gone).compareTo(Table.time(at)) >= 0)) {
      return "no, since " + Table.time(gone);
    }
    return at.isEmpty() ? "" : "since " + Table.time(at);
  }

  private static String annotation(Resource r, String key) {
    return r.metadata().annotations().getOrDefault(key, "");
  }

  private static String ports(Map<?, ?> ports) {
    return ports.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }

  /** A Gateway server as {@code 15443/TLS/AUTO_PASSTHROUGH:*.local}. */
  private static String server(GatewaySpec.Server s) {
    String port = s.port() == null ? "?" : s.port().number() + "/" + s.port().protocol().toUpperCase(Locale.ROOT);
    return port + (s.tls() == null ? "" : "/" + s.tls().mode()) + ":" + String.join(",", s.hosts());
  }

  /** A Sidecar's egress listeners as {@code 9080:ns1/*,./* *:istio-system/*} (port, or * for every port). */
  private static String egress(SidecarSpec s) {
    return s.egress().stream().map(e -> (e.port() == null ? "*" : Integer.toString(e.port().number())) + ":"
        + String.join(",", e.hosts())).collect(Collectors.joining(" "));
  }

  /** A VirtualService's routes as {@code tls:15012:*->istiod.istio-system.svc:15012 tcp:...}. */
  private static String routes(VirtualServiceSpec v) {
    List<String> out = new ArrayList<>();
    for (VirtualServiceSpec.TlsRoute r : v.tls()) {
      out.add("tls:" + r.match().stream().map(m -> (m.port() == 0 ? "*" : m.port()) + ":" + String.join(",",
          m.sniHosts())).collect(Collectors.joining("|")) + "->" + destinations(r.route()));
    }
    for (VirtualServiceSpec.TcpRoute r : v.tcp()) {
      out.add("tcp:" + (r.match().isEmpty() ? "*" : r.match().stream().map(m -> m.port() == 0 ? "*"
          : Integer.toString(m.port())).collect(Collectors.joining("|"))) + "->" + destinations(r.route()));
    }
    return String.join(" ", out);
  }

  private static String destinations(List<VirtualServiceSpec.RouteDestination> route) {
    return route.stream().map(d -> d.destination() == null ? "?" : d.destination().host()
        + (d.destination().port() == 0 ? "" : ":" + d.destination().port()) + (d.weight() == 0 ? "" : "(" + d.weight()
        + ")")).collect(Collectors.joining(","));
  }

  private static String labels(Map<String, String> labels) {
    return labels.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }
}
