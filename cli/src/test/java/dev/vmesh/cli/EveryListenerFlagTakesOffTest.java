package dev.vmesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.agent.config.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every listener of server and agent can be turned off with the address {@code off}, as the help says. */
class EveryListenerFlagTakesOffTest {
  @TempDir
  Path dir;

  @Test
  void serverListeners() {
    ServerCommand c = new ServerCommand();
    new CommandLine(c).parseArgs("--http-address", "off", "--xds-address", "off", "--xds-plaintext-address", "off");
    var o = c.options();
    assertThat(o.httpAddress()).isNull();
    assertThat(o.xdsTlsAddress()).isNull();
    assertThat(o.xdsPlaintextAddress()).isNull();
    assertThat(Cli.run("server", "--help").out().replaceAll("\\s+", " "))
        .contains("An address of 'off' disables that listener");
  }

  @Test
  void agentListeners() throws Exception {
    Files.writeString(dir.resolve("cluster.env"), "POD_NAMESPACE='vm'\nSERVICE_ACCOUNT='web'\n");
    Files.writeString(dir.resolve("mesh.yaml"), "defaultConfig:\n  discoveryAddress: 127.0.0.1:1\n");
    AgentConfig config = AgentConfig.load(new AgentConfig.Paths(dir, dir.resolve("state"), dir.resolve("run")),
        Map.of("INSTANCE_IP", "127.0.0.1"), null);
    AgentCommand c = new AgentCommand();
    new CommandLine(c).parseArgs("--status-address", "off", "--readiness-address", "off", "--local-xds-address",
        "off", "--no-local-xds-socket", "--dns", "on", "--dns-listen", "off");
    var o = c.options(config, null);
    assertThat(o.statusAddress()).isNull();
    assertThat(o.readinessAddress()).isNull();
    assertThat(o.localXdsLoopback()).isNull();
    assertThat(o.localXdsSocket()).isNull();
    assertThat(o.dns()).isNull();
    String help = Cli.run("agent", "--help").out().replaceAll("\\s+", " ");
    assertThat(help).contains("--status-address=HOST:PORT").containsPattern("--status-address[^-]*'off' for none")
        .containsPattern("--readiness-address[^-]*'off' for none")
        .containsPattern("--local-xds-address[^-]*default: off")
        .containsPattern("--dns-listen[^-]*'off' is --dns off");
  }
}
