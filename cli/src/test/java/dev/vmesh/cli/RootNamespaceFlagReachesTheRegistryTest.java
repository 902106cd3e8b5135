package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code --root-namespace} names the namespace of mesh-wide PeerAuthentications (Istio's istio-system by default). */
class RootNamespaceFlagReachesTheRegistryTest {

  private static ServerCommand parse(String... args) {
    ServerCommand c = new ServerCommand();
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @Test
  void defaultIsIstioSystem() {
    assertThat(parse().options().registry().rootNamespace()).isEqualTo("istio-system");
  }

  @Test
  void theFlagSetsIt() {
    assertThat(parse("--root-namespace", "mesh-root").options().registry().rootNamespace()).isEqualTo("mesh-root");
  }

  @Test
  void aValueThatIsNoNamespaceNameIsRefusedWithTheFlagsName() {
    Cli r = Cli.run("server", "--root-namespace", "Istio_System");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--root-namespace").contains("\"Istio_System\" is not a namespace name");
  }
}
