package dev.vmesh.cli;

import dev.vmesh.api.Kind;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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
  @Option(names = "--server", paramLabel = "URL", description = "The server's HTTP address, http://HOST:PORT;"
      + " env VMESH_SERVER (default: http://127.0.0.1:15014).")
  String server;

  @Option(names = "--token", paramLabel = "TOKEN", description = "Admin API token; env VMESH_TOKEN.")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", description = "File holding the admin token; env "
      + "VMESH_TOKEN_FILE (default: ./vmesh-data/admin-token).")
  Path tokenFile;

  /** The server's base URL, checked: {@code http(s)://HOST:PORT}, without a trailing slash. */
  String server() {
    String where;
    String s;
    if (server != null && !server.isBlank()) {
      s = server;
      where = "--server";
    } else if (System.getenv("VMESH_SERVER") != null && !System.getenv("VMESH_SERVER").isBlank()) {
      s = System.getenv("VMESH_SERVER");
      where = "VMESH_SERVER";
    } else if (config().getProperty("server") != null) {
      s = config().getProperty("server");
      where = "server= in " + configFile();
    } else {
      return DEFAULT_SERVER;
    }
    return checkUrl(s.strip(), where);
  }

  static final String DEFAULT_SERVER = "http://127.0.0.1:15014";

  /** {@code value} as a base URL, or an error naming where it came from and the form to use. */
  static String checkUrl(String value, String where) {
    URI uri;
    try {
      uri = new URI(value);
    } catch (URISyntaxException e) {
      uri = null;
    }
    if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
        || uri.getQuery() != null) {
      String hint = value.contains("://") ? "" : " (did you mean http://" + value + "?)";
      throw new IllegalArgumentException(where + " \"" + value + "\" is not the server's URL: use http://HOST:PORT,"
          + " e.g. http://127.0.0.1:15014" + hint);
    }
    return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
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
      throw new IllegalStateException("no admin token: " + file + " cannot be read ("
          + AdminClient.describe(e) + "); run this where the server's --data-dir is ./vmesh-data, or pass"
          + " --token-file DATA_DIR/admin-token (or --token, VMESH_TOKEN, VMESH_TOKEN_FILE)");
    }
  }

  /** The kind a user typed (se, serviceentries, ServiceEntry, ...), or a usage error naming the choices. */
  static Kind kind(String name) {
    return Kind.fromUserName(name).orElseThrow(() -> new IllegalArgumentException("unknown kind \""
        + name + "\"; use " + Kind.userNames()));
  }

  private static Path configFile() {
    return Path.of(System.getProperty("user.home"), ".vmesh", "config");
  }

  private static Properties config() {
    Properties p = new Properties();
    Path f = configFile();
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
