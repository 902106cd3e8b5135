package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import dev.vmesh.api.Problem;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryJson;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.registry.Service;
import dev.vmesh.store.FileConfigStore;
import dev.vmesh.store.ListOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh registry}: computes, offline, the services, endpoints, addresses and DNS name table a
 * server would build from a config directory, and prints them.
 */
@Command(name = "registry", mixinStandardHelpOptions = true,
    description = {"Print the registry (services, endpoints, addresses, DNS names) computed from a config directory.",
        "Problems in the files go to standard error; the exit code is 1 when there were errors."})
final class RegistryCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--config", required = true, paramLabel = "DIR", description = "Directory of YAML/JSON config.")
  Path config;

  @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
      description = "json or table (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--trust-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN",
      description = "SPIFFE trust domain (default: cluster.local).")
  String trustDomain;

  @Option(names = "--no-auto-allocate", description = "Do not give hosts without addresses a virtual IP.")
  boolean noAutoAllocate;

  @Override
  public Integer call() {
    if (!output.equals("json") && !output.equals("table")) {
      spec.commandLine().getErr().println("vmesh registry: -o must be json or table, not " + output);
      return 2;
    }
    Main.setLogLevel(Level.ERROR); // problems are printed below, not logged
    List<Problem> problems;
    Registry registry = new Registry(new RegistryOptions(trustDomain, !noAutoAllocate,
        RegistryOptions.DEFAULTS.ipv4Pool(), RegistryOptions.DEFAULTS.ipv6Pool()));
    try (FileConfigStore files = FileConfigStore.open(config, Clock.systemUTC(), Duration.ZERO)) {
      problems = files.problems();
      registry.load(files.list(ListOptions.all()).items());
    }
    PrintWriter err = spec.commandLine().getErr();
    problems.stream().filter(p -> p.severity() != Problem.Severity.NOTICE).forEach(err::println);
    PrintWriter out = spec.commandLine().getOut();
    if (output.equals("json")) {
      out.print(RegistryJson.json(registry));
    } else {
      printTable(out, registry.services());
    }
    out.flush();
    return problems.stream().anyMatch(Problem::isError) ? 1 : 0;
  }

  private static void printTable(PrintWriter out, List<Service> services) {
    Table table = new Table("HOSTNAME", "NAMESPACE", "ADDRESSES", "RESOLUTION", "PORTS", "ENDPOINTS");
    for (Service s : services) {
      String ports = s.ports().stream().map(p -> p.number() + (p.effectiveTargetPort() != p.number()
          ? "->" + p.effectiveTargetPort() : "") + "/" + (p.protocol().isEmpty() ? "?" : p.protocol()))
          .collect(Collectors.joining(","));
      String endpoints = s.endpoints().stream()
          .map(e -> e.address() + ":" + e.port() + (e.healthy() ? "" : "(unhealthy)")).distinct()
          .collect(Collectors.joining(","));
      table.row(s.hostname(), s.namespace(), s.addresses().isEmpty() ? ""
          : String.join(",", s.addresses()) + (s.autoAllocated() ? " (auto)" : ""), s.resolution(), ports, endpoints);
    }
    table.print(out);
  }
}
