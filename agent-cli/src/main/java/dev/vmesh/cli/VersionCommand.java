package dev.vmesh.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code vmesh version}: prints the version. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the vmesh version.")
final class VersionCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getOut().println(new Launcher.Version().getVersion()[0]);
    return 0;
  }
}
