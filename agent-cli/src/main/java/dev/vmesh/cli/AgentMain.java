package dev.vmesh.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code AgentMain} is the {@code vmesh} command of the agent's own artifact (the vmesh-agent package):
 * {@code vmesh agent} (with {@code iptables} and {@code resolved}) and {@code vmesh version}, on a
 * classpath without the server's store, registry, xDS server or CA. The whole {@code vmesh} ({@link Main})
 * has these commands too.
 */
@Command(name = "vmesh", mixinStandardHelpOptions = true, versionProvider = Launcher.Version.class,
    description = {"Service mesh for virtual machines: the VM agent.",
        "This is the agent's package; the server and the admin commands (get, apply, proxy-status ...) are in"
        + " the vmesh-server package."},
    subcommands = {AgentCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class AgentMain {

  public static void main(String[] args) {
    Launcher.main(new AgentMain(), args, AgentMain::describe);
  }

  /** A failure as one line: the messages along its causes, or the exception's name when it has none. */
  static String describe(Throwable e) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = e; t != null && sb.length() < 300; t = t.getCause() == t ? null : t.getCause()) {
      String what = t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage()
          : t == e ? t.getClass().getSimpleName() : "";
      if (!what.isEmpty() && sb.indexOf(what) < 0) {
        sb.append(sb.length() == 0 ? "" : ": ").append(what);
      }
    }
    return sb.toString();
  }
}
