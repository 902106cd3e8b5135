package dev.vmesh.cli;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.api.validation.ValidationOptions;
import dev.vmesh.api.validation.Validator;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh validate}: checks files of the Istio kinds vmesh reads (see {@code Kind}) the way Istio's
 * admission would. Exit 0 when every object is valid (warnings are printed), 1 when any is invalid, 2
 * when an input cannot be read.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {"Validate Istio ServiceEntry, WorkloadEntry, WorkloadGroup and PeerAuthentication files.",
        "Exit code: 0 all valid (warnings allowed), 1 something invalid, 2 an input could not be read."})
final class ValidateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "PATH",
      description = "File or directory (recursive, *.yaml|*.yml|*.json) to validate; - for standard input. Repeatable.")
  List<String> paths = new ArrayList<>();

  @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
      description = "Output format: text or json (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--no-auto-allocate", description = "Validate as for a server with address auto-allocation off.")
  boolean noAutoAllocate;

  /** One object's verdict. */
  private record Checked(String file, String kind, String namespace, String name, boolean valid) {}

  @Override
  public Integer call() {
    if (!output.equals("text") && !output.equals("json")) {
      spec.commandLine().getErr().println("vmesh validate: -o must be text or json, not " + output);
      return 2;
    }
    Validator validator = new Validator(new ValidationOptions(!noAutoAllocate));
    List<Problem> problems = new ArrayList<>();
    List<Checked> objects = new ArrayList<>();
    InputFiles.Expanded inputs = InputFiles.expand(paths, System.in);
    problems.addAll(inputs.problems());
    boolean unreadable = problems.stream().anyMatch(Problem::isError); // parts of a directory not walked
    boolean undecodable = false; // errors that belong to no object: syntax, not an object, unknown kind
    List<ResourceDecoder.Decoded> all = new ArrayList<>();
    for (InputFiles.Input in : inputs.inputs()) {
      if (in.error() != null) {
        unreadable = true;
        problems.add(new Problem(Problem.Severity.ERROR, in.name(), null, "", in.error()));
        continue;
      }
      ResourceDecoder.Result decoded = ResourceDecoder.decode(in.name(), in.text());
      problems.addAll(decoded.problems());
      all.addAll(decoded.decoded());
      for (ResourceDecoder.Decoded d : decoded.decoded()) {
        List<Problem> found = validator.validate(d);
        problems.addAll(found);
        var r = d.resource();
        objects.add(new Checked(in.name(), r.kind().kindName(), r.namespace(), r.name(),
            found.stream().noneMatch(Problem::isError)));
      }
      // a recognised object with a schema error (unknown field, value out of range) is an invalid object
      for (ResourceDecoder.Rejected r : decoded.rejected()) {
        objects.add(new Checked(in.name(), r.kind().kindName(), r.namespace(), r.name(), false));
      }
      long objectErrors = decoded.problems().stream().filter(Problem::isError).count();
      undecodable |= objectErrors > 0 && decoded.rejected().isEmpty();
    }
    problems.addAll(validator.acrossObjects(all));
    long invalidObjects = objects.stream().filter(o -> !o.valid()).count();
    boolean anyError = problems.stream().anyMatch(Problem::isError);
    int exit = unreadable ? 2 : anyError ? 1 : 0;
    PrintWriter out = spec.commandLine().getOut();
    if (output.equals("json")) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("valid", exit == 0);
      result.put("objects", objects.stream().map(o -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", o.file());
        m.put("kind", o.kind());
        m.put("namespace", o.namespace());
        m.put("name", o.name());
        m.put("valid", o.valid());
        return m;
      }).toList());
      result.put("problems", problems.stream().map(Problem::toTree).toList());
      out.println(TreeWriter.json(result, true));
    } else {
      PrintWriter err = spec.commandLine().getErr();
      problems.forEach(p -> (p.isError() ? err : out).println(p));
      long warnings = problems.stream().filter(p -> p.severity() == Problem.Severity.WARNING).count();
      out.printf("%d object(s) checked: %d valid, %d invalid, %d warning(s)%s%n", objects.size(),
          objects.size() - invalidObjects, invalidObjects, warnings,
          unreadable ? "; some input could not be read" : undecodable ? "; some input is not a valid object" : "");
    }
    return exit;
  }
}
