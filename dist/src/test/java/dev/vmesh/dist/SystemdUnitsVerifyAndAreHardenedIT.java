package dev.vmesh.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The packaged systemd units pass {@code systemd-analyze verify} without a warning, and carry the
 * agent's and server's users, directories, restart policy and sandboxing.
 */
class SystemdUnitsVerifyAndAreHardenedIT {
  private static final List<String> UNITS = List.of("vmesh-agent.service", "vmesh-server.service");

  @Test
  void unitsPassSystemdAnalyzeVerifyWithoutWarnings() throws IOException {
    assumeTrue(Packages.onPath("systemd-analyze"),
        "systemd-analyze is not installed, so the units were not verified (apt-get install -y systemd)");
    // verify insists that ExecStart's program exists, so point it at the unpacked launcher.
    Path root = Packages.debRoot();
    Path dir = Packages.freshDir("it-units");
    List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify"));
    for (String unit : UNITS) {
      String text = Packages.readString(root.resolve("usr/lib/systemd/system/" + unit));
      Path copy = dir.resolve(unit);
      Files.writeString(copy, text.replace("=/usr/bin/vmesh ", "=" + root + "/usr/bin/vmesh ")
          .replace("=+/usr/bin/vmesh ", "=+" + root + "/usr/bin/vmesh "));
      command.add(copy.toString());
    }
    Packages.Result r = Packages.run(command);
    assertThat(r.exit()).as(r.both()).isZero();
    assertThat(r.both()).as("systemd-analyze verify output").isEmpty();
  }

  @Test
  void agentRunsAsVmeshWithoutCapabilitiesAndRootInstallsTheDnsCapture() {
    Map<String, List<String>> agent = directives("vmesh-agent.service");
    assertThat(agent.get("ExecStart")).containsExactly("/usr/bin/vmesh agent $VMESH_AGENT_ARGS");
    assertThat(agent.get("ExecStartPre")).containsExactly("+/usr/bin/vmesh agent iptables");
    assertThat(agent.get("ExecStopPost")).containsExactly("+/usr/bin/vmesh agent iptables --remove");
    assertThat(agent).containsEntry("User", List.of("vmesh")).containsEntry("Group", List.of("vmesh"))
        .containsEntry("ConfigurationDirectory", List.of("vmesh"))
        .containsEntry("ConfigurationDirectoryMode", List.of("0750"))
        .containsEntry("StateDirectory", List.of("vmesh"))
        .containsEntry("StateDirectoryMode", List.of("0750"))
        .containsEntry("RuntimeDirectory", List.of("vmesh"))
        .containsEntry("ReadWritePaths", List.of("/var/lib/vmesh /run/vmesh"))
        .containsEntry("EnvironmentFile", List.of("-/etc/default/vmesh-agent", "-/etc/sysconfig/vmesh-agent"))
        .containsEntry("Restart", List.of("always"))
        .containsEntry("RestartSec", List.of("5s"))
        .containsEntry("TimeoutStopSec", List.of("30s"))
        .containsEntry("SuccessExitStatus", List.of("143"))
        .containsEntry("LimitNOFILE", List.of("65536"))
        .containsEntry("CapabilityBoundingSet", List.of(""))
        .doesNotContainKey("AmbientCapabilities")
        .containsEntry("WantedBy", List.of("multi-user.target"));
    assertSandboxed(agent);
  }

  @Test
  void serverKeepsItsStoreUnderVarLibAndHasNoCapabilities() {
    Map<String, List<String>> server = directives("vmesh-server.service");
    assertThat(server.get("ExecStart")).containsExactly(
        "/usr/bin/vmesh server --data-dir /var/lib/vmesh/server --config /etc/vmesh/server.d $VMESH_SERVER_ARGS");
    assertThat(server).containsEntry("User", List.of("vmesh"))
        .containsEntry("StateDirectory", List.of("vmesh/server"))
        .containsEntry("ConfigurationDirectory", List.of("vmesh/server.d"))
        .containsEntry("ReadWritePaths", List.of("/var/lib/vmesh/server"))
        .containsEntry("EnvironmentFile", List.of("-/etc/default/vmesh-server", "-/etc/sysconfig/vmesh-server"))
        .containsEntry("CapabilityBoundingSet", List.of(""))
        .containsEntry("SuccessExitStatus", List.of("143"))
        .doesNotContainKey("AmbientCapabilities");
    assertSandboxed(server);
  }

  private static void assertSandboxed(Map<String, List<String>> unit) {
    assertThat(unit).containsEntry("NoNewPrivileges", List.of("yes"))
        .containsEntry("ProtectSystem", List.of("strict"))
        .containsEntry("ProtectHome", List.of("yes"))
        .containsEntry("PrivateTmp", List.of("yes"));
  }

  private static Map<String, List<String>> directives(String unit) {
    return Packages.unitDirectives(Packages.readString(Packages.debRoot().resolve("usr/lib/systemd/system/" + unit)));
  }
}
