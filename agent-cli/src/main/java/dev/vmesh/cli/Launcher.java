package dev.vmesh.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.vmesh.agent.identity.CertificateWarmup;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.Properties;
import java.util.function.Function;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code Launcher} runs a {@code vmesh} command line the same way for both artifacts: the whole
 * {@code vmesh} ({@link Main} in module cli, server and tools) and the agent's ({@link AgentMain}, which
 * carries only what the agent uses). It sets the log level, the help layout, and how a failure and a
 * bad flag are reported.
 */
final class Launcher {
  private Launcher() {}

  /** Runs {@code root}'s command line; {@code describe} turns a failure into one line for the user. */
  static int run(Object root, String[] args, PrintWriter out, PrintWriter err, Function<Throwable, String> describe) {
    setLogLevel(Level.WARN);
    CommandLine cl = new CommandLine(root);
    cl.setAllowSubcommandsAsOptionParameters(true); // "vmesh agent --dns-capture iptables"
    cl.setOut(out);
    cl.setErr(err);
    HelpLayout.apply(cl);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("vmesh: " + describe.apply(ex));
      return 2;
    });
    cl.setParameterExceptionHandler(Launcher::badInput);
    return cl.execute(args);
  }

  /** Arguments after {@code agent} or {@code gateway} that mean it will not run (help, a subcommand). */
  private static final Set<String> NOT_A_RUN = Set.of("iptables", "resolved", "help", "--help", "-h", "--version",
      "-V");

  /**
   * Whether {@code args} run the agent (or the gateway, the agent in router mode), which gets a certificate
   * first: then {@link CertificateWarmup} starts before the command line is even parsed.
   */
  static boolean runsTheAgent(String[] args) {
    return args.length > 0 && (args[0].equals("agent") || args[0].equals("gateway"))
        && List.of(args).subList(1, args.length).stream().noneMatch(NOT_A_RUN::contains);
  }

  /** Runs {@code root} on the process's standard streams and exits with its code. */
  static void main(Object root, String[] args, Function<Throwable, String> describe) {
    if (runsTheAgent(args)) {
      CertificateWarmup.start();
    }
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int code = run(root, args, out, err, describe);
    out.flush();
    err.flush();
    System.exit(code);
  }

  /**
   * A flag or argument that is missing or wrong: the message (picocli's names the flag and the value,
   * ours in {@link Inputs} what would do), picocli's suggestions for a mistyped name, and where the help
   * is, instead of the whole help text burying the message.
   */
  private static int badInput(CommandLine.ParameterException ex, String[] args) {
    CommandLine cl = ex.getCommandLine();
    PrintWriter err = cl.getErr();
    err.println(cl.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Run '" + cl.getCommandSpec().qualifiedName() + " --help' for its flags.");
    return cl.getCommandSpec().exitCodeOnInvalidInput();
  }

  static void setLogLevel(Level level) {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(level);
  }

  /** The version from the build, for {@code --version} and {@code vmesh version}. */
  static final class Version implements CommandLine.IVersionProvider {
    static String version() {
      Properties p = new Properties();
      try (InputStream in = Launcher.class.getResourceAsStream("/vmesh-version.properties")) {
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
