package dev.vmesh.cli;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ResourceKey;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmesh delete}: deletes one object on a running server. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete an object on a running server.")
final class DeleteCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ServerConnection connection;

  @Parameters(index = "0", paramLabel = "KIND", description = "se, we, wg, pa (or their full names).")
  String kindName;

  @Parameters(index = "1", paramLabel = "NAME", converter = Inputs.ObjectName.class,
      description = "The object's name.")
  String name;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", paramLabel = "NS",
      converter = Inputs.Namespace.class, description = "Namespace (default: default).")
  String namespace;

  @Override
  public Integer call() {
    Kind kind = ServerConnection.kind(kindName);
    try {
      new AdminClient(connection.server(), connection.token()).delete(new ResourceKey(kind, namespace, name));
    } catch (AdminClient.Failure e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 1;
    }
    spec.commandLine().getOut().println(kind.kindName().toLowerCase(Locale.ROOT) + "." + kind.group() + "/"
        + namespace + "/" + name + " deleted");
    return 0;
  }
}
