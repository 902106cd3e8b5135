package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Launcher#runsTheAgent}: the certificate warm-up starts for a run of the agent or gateway only. */
class OnlyARunOfTheAgentWarmsUpItsCertificateWorkTest {
  @Test
  void theAgentAndTheGatewayRunningWarmUp() {
    assertThat(Launcher.runsTheAgent(new String[] {"agent"})).isTrue();
    assertThat(Launcher.runsTheAgent(new String[] {"agent", "--config-dir", "/etc/vmesh", "--dns", "on"})).isTrue();
    assertThat(Launcher.runsTheAgent(new String[] {"gateway", "--network", "n1"})).isTrue();
  }

  @Test
  void helpSubcommandsAndOtherCommandsDoNot() {
    assertThat(Launcher.runsTheAgent(new String[] {})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"version"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"server", "--config", "agent"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"agent", "--help"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"agent", "-h"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"help", "agent"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"agent", "iptables", "--remove"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"agent", "resolved", "--dry-run"})).isFalse();
    assertThat(Launcher.runsTheAgent(new String[] {"gateway", "--help"})).isFalse();
  }
}
