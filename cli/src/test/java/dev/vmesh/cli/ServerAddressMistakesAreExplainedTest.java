package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** What the commands that talk to a server say when it is given wrongly or not there. */
class ServerAddressMistakesAreExplainedTest {

  @Test
  void anAddressWithoutSchemeIsRefusedWithTheFormToUse() {
    Cli r = Cli.run("get", "we", "--server", "localhost:15014", "--token", "t");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--server \"localhost:15014\" is not the server's URL: use http://HOST:PORT,"
        + " e.g. http://127.0.0.1:15014 (did you mean http://localhost:15014?)");
  }

  @Test
  void aServerThatIsNotRunningIsNamedWithTheFixAndNoNull() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Cli r = Cli.run("proxy-status", "--server", "http://127.0.0.1:" + port, "--token", "t");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("cannot reach the server at http://127.0.0.1:" + port + " (connection refused);"
        + " start it with vmesh server, or point --server (or VMESH_SERVER) at its http://HOST:PORT")
        .doesNotContain("null");
  }

  @Test
  void aMissingAdminTokenFileSaysWhereItWasLookedForAndHowToNameIt() {
    Cli r = Cli.run("get", "se", "--server", "http://127.0.0.1:1", "--token-file", "/nonexistent/admin-token");

    assertThat(r.err()).contains("no admin token: /nonexistent/admin-token cannot be read (no such file);")
        .contains("--token-file DATA_DIR/admin-token");
  }
}
