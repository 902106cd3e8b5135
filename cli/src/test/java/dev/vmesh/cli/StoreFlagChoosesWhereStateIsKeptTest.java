package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.store.kube.MockCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vmesh server --store}: embedded by default, kubernetes on request; wrong combinations say what is wrong. */
class StoreFlagChoosesWhereStateIsKeptTest {
  @TempDir
  Path tmp;

  private static ServerCommand parse(String... args) {
    ServerCommand c = new ServerCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void theEmbeddedStoreIsTheDefaultAndTheCaTakesNoKubernetesTokens() {
    var o = parse("--data-dir", tmp.toString()).options();
    assertThat(o.tokenReviewer()).isNull();
    try (var backend = o.store().open(Clock.systemUTC())) {
      assertThat(backend.store().describe()).contains(tmp.toString());
    }
  }

  @Test
  void kubernetesAddsTheTokenReviewAndConnectsOnlyWhenOpened() {
    var o = parse("--store", "kubernetes", "--kubeconfig", tmp.resolve("absent").toString()).options();
    assertThat(o.tokenReviewer()).isNotNull();
    assertThatThrownBy(() -> o.store().open(Clock.systemUTC()))
        .hasMessageContaining("cannot read --kubeconfig " + tmp.resolve("absent"));
  }

  @Test
  void anUnknownStoreAndKubernetesFlagsWithoutItAreRefused() {
    assertThatThrownBy(() -> parse("--store", "zookeeper").options())
        .hasMessageContaining("--store \"zookeeper\" is none of 'embedded', etcd://HOST:PORT[,HOST:PORT...] and 'kubernetes'");
    assertThatThrownBy(() -> parse("--kube-context", "prod").options())
        .hasMessageContaining("--kubeconfig, --kube-context and --kube-namespace need --store kubernetes");
  }

  @Test
  void anUnreachableApiServerStopsTheServerWithItsAddress() throws Exception {
    Path kubeconfig = tmp.resolve("kubeconfig");
    Files.writeString(kubeconfig, MockCluster.kubeconfig("http://127.0.0.1:1"));
    Cli r = Cli.run("server", "--store", "kubernetes", "--kubeconfig", kubeconfig.toString(), "--data-dir",
        tmp.resolve("data").toString(), "--http-address", "127.0.0.1:0", "--xds-address", "127.0.0.1:0");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("vmesh: Kubernetes API server").contains("127.0.0.1:1");
  }

  @Test
  void helpListsTheFlags() {
    Cli r = Cli.run("server", "--help");
    assertThat(r.out()).contains("--store=STORE").contains("--kubeconfig=FILE").contains("--kube-context=NAME")
        .contains("--kube-namespace=NS").contains("VMESH_STORE").contains("VMESH_KUBECONFIG");
  }
}
