package dev.vmesh.cli;

import dev.vmesh.api.codec.SourceNode;
import dev.vmesh.api.codec.SourceParser;
import dev.vmesh.api.codec.TreeWriter;
import dev.vmesh.pki.Pem;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vmesh token}: bootstrap tokens a VM presents once to get its first certificate. */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Create, list and revoke bootstrap tokens on a running server.",
    subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
final class TokenCommand {

  /** {@code vmesh token create}. */
  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a bootstrap token for one namespace and service account.",
          "Writes the token to -o FILE (mode 0600), or prints it on standard output without -o; its id and expiry"
              + " go to standard error."})
  static final class Create implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerConnection connection;

    @Option(names = {"-n", "--namespace"}, required = true, paramLabel = "NS", converter = Inputs.Namespace.class,
        description = "Namespace of the VMs that will use the token.")
    String namespace;

    @Option(names = {"-s", "--service-account"}, required = true, paramLabel = "SA",
        converter = Inputs.ObjectName.class,
        description = "Service account the certificate will name (spiffe://<trust domain>/ns/NS/sa/SA).")
    String serviceAccount;

    @Option(names = "--ttl", defaultValue = "1h", paramLabel = "DURATION", converter = Inputs.PositiveDuration.class,
        description = "Lifetime, e.g. 30m, 1h, 7d (default: 1h). The VM needs it only for its first certificate.")
    Duration ttl;

    @Option(names = "--single-use", description = "The token works for one certificate only.")
    boolean singleUse;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", converter = Inputs.OutputFile.class,
        description = "Write the token to FILE, readable by its owner only (mode 0600), instead of standard output.")
    Path output;

    @Override
    public Integer call() throws IOException {
      try {
        var m = create(new AdminClient(connection.server(), connection.token()), namespace, serviceAccount, ttl,
            singleUse);
        String where = "";
        if (output != null) {
          Pem.writeAtomically(output, text(m, "token") + "\n", "rw-------");
          where = " written to " + output + " (mode 0600)";
        } else {
          spec.commandLine().getOut().println(text(m, "token"));
        }
        spec.commandLine().getErr().println("token id " + text(m, "id") + where + ", expires "
            + Table.time(text(m, "expires")));
        return 0;
      } catch (AdminClient.Failure e) {
        spec.commandLine().getErr().println("vmesh token create: " + e.getMessage());
        return 1;
      }
    }
  }

  /** {@code vmesh token list}. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List issued tokens (never their text).")
  static final class ListTokens implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerConnection connection;

    @Override
    public Integer call() {
      String json = new AdminClient(connection.server(), connection.token()).call("GET", "/admin/tokens", null);
      var list = (SourceNode.ListNode) SourceParser.parseJson("tokens.json", json).documents().get(0);
      Table table = new Table("ID", "NAMESPACE", "SERVICE ACCOUNT", "EXPIRES", "STATE");
      for (SourceNode n : list.items()) {
        var m = (SourceNode.MapNode) n;
        String state = "true".equals(text(m, "revoked")) ? "revoked" : "true".equals(text(m, "used")) ? "used"
            : "true".equals(text(m, "singleUse")) ? "single-use" : "active";
        table.row(text(m, "id"), text(m, "namespace"), text(m, "serviceAccount"), Table.time(text(m, "expires")),
            state);
      }
      table.print(spec.commandLine().getOut());
      return 0;
    }
  }

  /** {@code vmesh token revoke}. */
  @Command(name = "revoke", mixinStandardHelpOptions = true,
      description = "Revoke a token: it stops working, and so does renewing any certificate obtained with it.")
  static final class Revoke implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServerConnection connection;

    @Parameters(paramLabel = "ID", description = "The token's id, as token create printed it and token list shows.")
    String id;

    @Override
    public Integer call() {
      try {
        new AdminClient(connection.server(), connection.token()).call("DELETE", "/admin/tokens/" + id, null);
        spec.commandLine().getOut().println("token " + id + " revoked");
        return 0;
      } catch (AdminClient.Failure e) {
        spec.commandLine().getErr().println("vmesh token revoke: " + e.getMessage());
        return 1;
      }
    }
  }

  /** Asks the server for a token; the answer has {@code token}, {@code id} and {@code expires}. */
  static SourceNode.MapNode create(AdminClient client, String namespace, String serviceAccount, Duration ttl,
      boolean singleUse) {
    String body = TreeWriter.json(Map.of("namespace", namespace, "serviceAccount",
        serviceAccount, "ttlSeconds", ttl.toSeconds(), "singleUse", singleUse), false);
    String json = client.call("POST", "/admin/tokens", body);
    return (SourceNode.MapNode) SourceParser.parseJson("token.json", json).documents().get(0);
  }

  static String text(SourceNode.MapNode m, String key) {
    var f = m.fields().get(key);
    return f != null && f.value() instanceof SourceNode.Scalar s ? s.text() : "";
  }
}
