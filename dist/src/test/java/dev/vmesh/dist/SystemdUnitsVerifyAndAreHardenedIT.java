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
 * agent's, server's and gateway's users, directories, restart policy and sandboxing.
 */
class SystemdUnitsVerifyAndAreHardenedIT {
  private static final List<String> UNITS = List.of("vmesh-agent.service", "vmesh-server.service",
      "vmesh-gateway.service");

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
        // SIGTERM to the JVM only, which withdraws and drains Envoy's inbound, then stops Envoy
        .containsEntry("KillMode", List.of("mixed"))
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

  @Test
  void gatewayRunsAsItsOwnUserWithoutCapabilitiesAndWithdrawsBeforeEnvoyStops() {
    Map<String, List<String>> gateway = directives("vmesh-gateway.service");
    assertThat(gateway.get("ExecStart")).containsExactly("/usr/bin/vmesh gateway $VMESH_GATEWAY_ARGS");
    // not the server's user: the gateway faces other networks and must not read the CA key
    assertThat(gateway).containsEntry("User", List.of("vmesh-gateway"))
        .containsEntry("Group", List.of("vmesh-gateway"))
        .containsEntry("EnvironmentFile", List.of("-/etc/default/vmesh-gateway", "-/etc/sysconfig/vmesh-gateway"))
        .containsEntry("ConfigurationDirectory", List.of("vmesh-gateway"))
        .containsEntry("StateDirectory", List.of("vmesh-gateway"))
        .containsEntry("StateDirectoryMode", List.of("0750"))
        .containsEntry("RuntimeDirectory", List.of("vmesh-gateway"))
        .containsEntry("Restart", List.of("always"))
        // SIGTERM to the JVM only, which withdraws and then stops Envoy; not to Envoy at once
        .containsEntry("KillMode", List.of("mixed"))
        .containsEntry("KillSignal", List.of("SIGTERM"))
        .containsEntry("SuccessExitStatus", List.of("143"))
        .containsEntry("CapabilityBoundingSet", List.of(""))
        .doesNotContainKey("AmbientCapabilities")
        .containsEntry("WantedBy", List.of("multi-user.target"))
        .doesNotContainKey("ReadWritePaths"); // a missing path would fail the start; the directories above are writable
    assertThat(gateway.get("After")).containsExactly("network-online.target vmesh-server.service");
    assertSandboxed(gateway);
    // the stop timeout leaves room for the default drain (5s) and Envoy's exit (5s after SIGTERM, then SIGKILL)
    assertThat(Integer.parseInt(gateway.get("TimeoutStopSec").get(0).replace("s", ""))).isGreaterThanOrEqualTo(20);
  }

  @Test
  void gatewayEnvironmentFileDocumentsEveryVariableTheCommandReadsWithItsDefault() {
    String env = Packages.readString(Packages.debRoot().resolve("etc/default/vmesh-gateway"));
    assertThat(env.lines().filter(l -> !l.isBlank() && !l.startsWith("#")))
        .as("every setting is commented out: the defaults apply until the admin sets one").isEmpty();
    assertThat(env).contains("#VMESH_GATEWAY_NETWORK=", "#VMESH_GATEWAY_LABELS=istio=eastwestgateway",
        "#VMESH_DISCOVERY_ADDRESS=", "#VMESH_GATEWAY_STATUS_ADDRESS=0.0.0.0:15020",
        "#VMESH_GATEWAY_READINESS_ADDRESS=0.0.0.0:15021", "#VMESH_GATEWAY_ENVOY=auto", "#VMESH_GATEWAY_CERT_TTL=24h",
        "#VMESH_GATEWAY_DRAIN=5s", "#VMESH_LOG_LEVEL=INFO", "#VMESH_JAVA_OPTS=", "#VMESH_GATEWAY_ARGS=",
        "#JAVA_HOME=");
    Packages.Result help = Packages.run(List.of(Packages.debRoot().resolve("usr/bin/vmesh").toString(), "gateway",
        "--help"));
    assertThat(help.exit()).as(help.both()).isZero();
    String described = help.out().replaceAll("\\s+", " ");
    // VMESH_GATEWAY_ARGS is the unit's (extra arguments), not a flag's
    for (String line : env.lines().filter(l -> l.matches("#VMESH_GATEWAY_[A-Z_]+=.*"))
        .filter(l -> !l.startsWith("#VMESH_GATEWAY_ARGS=")).toList()) {
      String name = line.substring(1, line.indexOf('='));
      String value = line.substring(line.indexOf('=') + 1);
      assertThat(described).as("vmesh gateway --help names " + name).contains("env " + name);
      if (!value.isEmpty()) {
        assertThat(described).as("the default of " + name)
            .contains("env " + name + " (default: " + value);
      }
    }
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
