package dev.vmesh.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * {@code ServerConnection} is the mixin of commands that talk to a running server: its address and
 * admin token, from flags, then environment, then {@code ~/.vmesh/config} (a properties file with
 * {@code server=}, {@code token=} or {@code token-file=}), then defaults.
 */
final class ServerConnection {
  @Option(names = "--server", paramLabel = "URL", description = "Server HTTP address; env VMESH_SERVER "
      + "(default: http://127.0.0.1:15014).")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Admin API token; env VMESH_TOKEN.")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the admin token; env "
      + "VMESH_TOKEN_FILE (default: ./vmesh-data/admin-token).")
  Path tokenFile;

  String server() {
    String s = first(server, System.getenv("VMESH_SERVER"), config().getProperty("server"), "http://127.0.0.1:15014");
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  String token() {
    String t = first(token, System.getenv("VMESH_TOKEN"), config().getProperty("token"), null);
    if (t != null) {
      return t;
    }
    String file = first(tokenFile == null ? null : tokenFile.toString(), System.getenv("VMESH_TOKEN_FILE"),
        config().getProperty("token-file"), "vmesh-data/admin-token");
    try {
      return Files.readString(Path.of(file)).trim();
    } catch (IOException e) {
      throw new IllegalStateException("no admin token: " + file + " cannot be read (" + e.getMessage()
          + "); pass --token, --token-file or set VMESH_TOKEN");
    }
  }

  /** The kind a user typed (se, serviceentries, ServiceEntry, ...), or a usage error naming the choices. */
  static dev.vmesh.api.Kind kind(String name) {
    return dev.vmesh.api.Kind.fromUserName(name).orElseThrow(() -> new IllegalArgumentException("unknown kind \""
        + name + "\"; use serviceentries (se), workloadentries (we) or workloadgroups (wg)"));
  }

  private static Properties config() {
    Properties p = new Properties();
    Path f = Path.of(System.getProperty("user.home"), ".vmesh", "config");
    if (Files.isReadable(f)) {
      try (var in = Files.newBufferedReader(f)) {
        p.load(in);
      } catch (IOException ignored) {
        // an unreadable config file is the same as none
      }
    }
    return p;
  }

  private static String first(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
