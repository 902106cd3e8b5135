package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code Main} is the {@code vmesh} command: the server, the VM agent and the tools share one launcher. */
@Command(name = "vmesh", mixinStandardHelpOptions = true, versionProvider = Launcher.Version.class,
    description = "Service mesh for virtual machines (Istio's VM API, in Java).",
    subcommands = {ServerCommand.class, ValidateCommand.class, RegistryCommand.class, ApplyCommand.class,
        GetCommand.class, DeleteCommand.class, ProxyStatusCommand.class, ProxyConfigCommand.class, TokenCommand.class, WorkloadCommand.class, AgentCommand.class, GatewayCommand.class, DnsCommand.class, DemoCommand.class,
        VersionCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    Launcher.main(new Main(), args, AdminClient::describe);
  }

  /** Runs the command line and returns its exit code (for tests and {@link #main}). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return Launcher.run(new Main(), args, out, err, AdminClient::describe);
  }

  static void setLogLevel(Level level) {
    Launcher.setLogLevel(level);
  }
}
