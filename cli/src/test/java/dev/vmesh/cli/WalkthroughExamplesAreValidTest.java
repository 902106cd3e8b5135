package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The files README's walkthrough applies validate as Istio would take them. */
class WalkthroughExamplesAreValidTest {
  @Test
  void examplesValidate() {
    for (String path : new String[] {"../examples/mesh", "../examples/my-workloads.yaml"}) {
      Cli r = Cli.run("validate", "-f", path);
      assertThat(r.exit()).as(path + ": " + r.out() + r.err()).isZero();
    }
  }
}
