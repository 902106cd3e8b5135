package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code Main} is the {@code vmesh} command: the server, the VM agent and the tools share one launcher. */
@Command(name = "vmesh", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Service mesh for virtual machines (Istio's VM API, in Java).",
    subcommands = {ServerCommand.class, ValidateCommand.class, RegistryCommand.class, ApplyCommand.class,
        GetCommand.class, DeleteCommand.class, ProxyStatusCommand.class, ProxyConfigCommand.class, TokenCommand.class, WorkloadCommand.class, AgentCommand.class, DnsCommand.class, DemoCommand.class,
        VersionCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {

  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = run(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /** Runs the command line and returns its exit code (for tests and {@link #main}). */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    setLogLevel(Level.WARN);
    CommandLine cl = new CommandLine(new Main());
    cl.setAllowSubcommandsAsOptionParameters(true); // "vmesh agent --dns-capture iptables"
    cl.setOut(out);
    cl.setErr(err);
    HelpLayout.apply(cl);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("vmesh: " + AdminClient.describe(ex));
      return 2;
    });
    cl.setParameterExceptionHandler(Main::badInput);
    return cl.execute(args);
  }

  /**
   * A flag or argument that is missing or wrong: the message (picocli's names the flag and the value,
   * ours in {@link Inputs} what would do), picocli's suggestions for a mistyped name, and where the help
   * is, instead of the whole help text burying the message.
   */
  private static int badInput(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println(prefix(cl) + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for its flags.");
    return cl.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** {@code vmesh token create: } for messages of that command. */
  private static String prefix(CommandLine cl) {
    return cl.getCommandSpec().qualifiedName() + ": ";
  }

  static void setLogLevel(Level level) {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(level);
  }

  /** The version from the build, for {@code --version} and {@code vmesh version}. */
  static final class Version implements CommandLine.IVersionProvider {
    static String version() {
      Properties p = new Properties();
      try (InputStream in = Main.class.getResourceAsStream("/vmesh-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // fall through to "unknown"
      }
      return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
      return new String[] {"vmesh " + version() + " (Java " + Runtime.version() + ")"};
    }
  }
}
