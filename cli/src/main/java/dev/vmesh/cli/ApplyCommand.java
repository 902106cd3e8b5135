package dev.vmesh.cli;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.validation.Validator;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vmesh apply}: creates or replaces objects on a server. Everything is validated first; if any
 * object is invalid nothing is sent.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
    description = {"Create or update objects on a running server from files.",
        "All objects are validated first; if any is invalid, nothing is applied (exit 1)."})
final class ApplyCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerConnection connection;

  @Option(names = {"-f", "--filename"}, required = true, paramLabel = "PATH",
      description = "File or directory (recursive) to apply; - for standard input. Repeatable.")
  List<String> paths = new ArrayList<>();

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Namespace for objects that name none.")
  String namespace;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Resource> objects = new ArrayList<>();
    boolean failed = false;
    for (InputFiles.Input in : InputFiles.read(paths, System.in)) {
      if (in.error() != null) {
        err.println(in.name() + ": " + in.error());
        return 2;
      }
      ResourceDecoder.Result decoded = ResourceDecoder.decode(in.name(), in.text());
      for (Problem p : decoded.problems()) {
        if (p.severity() != Problem.Severity.NOTICE) {
          (p.isError() ? err : out).println(p);
        }
        failed |= p.isError();
      }
      for (ResourceDecoder.Decoded d : decoded.decoded()) {
        Resource r = d.resource();
        if (namespace != null && !d.sourceMap().has("metadata.namespace")) {
          r = r.withMetadata(r.metadata().withNamespace(namespace));
        }
        List<Problem> found = Validator.locate(new Validator().validate(r), d.sourceMap());
        for (Problem p : found) {
          (p.isError() ? err : out).println(p);
          failed |= p.isError();
        }
        objects.add(r);
      }
    }
    if (failed) {
      err.println("vmesh apply: nothing applied; fix the errors above");
      return 1;
    }
    if (objects.isEmpty()) {
      err.println("vmesh apply: no " + Kind.kindNames("or") + " in the input; nothing applied");
      return 1;
    }
    AdminClient client = new AdminClient(connection.server(), connection.token());
    int exit = 0;
    for (Resource r : objects) {
      String what = r.kind().kindName().toLowerCase(Locale.ROOT) + "." + r.kind().group() + "/" + r.namespace() + "/"
          + r.name();
      try {
        Optional<Resource> current = client.get(r.key());
        if (current.isEmpty()) {
          client.create(r);
          out.println(what + " created");
        } else if (same(current.get(), r)) {
          out.println(what + " unchanged");
        } else {
          client.replace(r.withMetadata(r.metadata().withResourceVersion(current.get().resourceVersion())));
          out.println(what + " configured");
        }
      } catch (AdminClient.Failure e) {
        err.println(what + ": " + e.getMessage());
        exit = 1;
      }
    }
    return exit;
  }

  private static boolean same(Resource current, Resource wanted) {
    return current.spec().equals(wanted.spec()) && current.metadata().labels().equals(wanted.metadata().labels())
        && current.metadata().annotations().equals(wanted.metadata().annotations());
  }
}
