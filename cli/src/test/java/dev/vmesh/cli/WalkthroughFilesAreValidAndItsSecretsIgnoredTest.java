package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The files README's walkthrough applies validate as Istio would take them, and what it writes that
 * is secret (tokens, onboarding files, the agent's key, the server's data) is ignored by git.
 */
class WalkthroughFilesAreValidAndItsSecretsIgnoredTest {
  @Test
  void examplesValidate() {
    for (String path : new String[] {"../examples/mesh", "../examples/my-workloads.yaml"}) {
      Cli r = Cli.run("validate", "-f", path);
      assertThat(r.exit()).as(path + ": " + r.out() + r.err()).isZero();
    }
  }

  @Test
  void secretsTheWalkthroughWritesAreIgnoredByGit() throws IOException, InterruptedException {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    Assumptions.assumeTrue(Files.exists(repo.resolve(".git")), "not a git checkout: " + repo);
    List<String> written = List.of("vmesh-data/admin-token", "vmesh-data/ca/ca-key.pem", "vm1/istio-token",
        "vm1/cluster.env", "vm1-state/certs/key.pem", "vm1-run/xds.sock", "vm-files/istio-token", "my-vm.token",
        "secrets.key");
    var command = new ArrayList<>(List.of("git", "-C", repo.toString(), "check-ignore", "--no-index",
        "--verbose", "--non-matching"));
    command.addAll(written);
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      Assumptions.abort("git is not installed: " + e.getMessage());
      return;
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // --non-matching lists paths no rule ignores as "::<tab>path"
    assertThat(out.lines().filter(l -> l.startsWith("::"))).as(out).isEmpty();
    assertThat(out.lines()).hasSize(written.size());
  }
}
