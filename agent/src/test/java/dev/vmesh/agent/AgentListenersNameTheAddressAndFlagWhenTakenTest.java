package dev.vmesh.agent;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.agent.config.AgentConfig;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When an address the agent should listen on is taken, it stops with the address and the flag to change. */
class AgentListenersNameTheAddressAndFlagWhenTakenTest {
  @TempDir
  Path dir;
  AgentConfig config;

  @BeforeEach
  void files() throws Exception {
    Files.writeString(dir.resolve("cluster.env"), "POD_NAMESPACE='vm'\nSERVICE_ACCOUNT='web'\n");
    Files.writeString(dir.resolve("mesh.yaml"), "defaultConfig:\n  discoveryAddress: 127.0.0.1:1\n");
    Files.writeString(dir.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
    config = AgentConfig.load(new AgentConfig.Paths(dir, dir.resolve("state"), dir.resolve("run")),
        Map.of("INSTANCE_IP", "127.0.0.1"), null);
  }

  Agent.Options options(InetSocketAddress status, InetSocketAddress readiness, Agent.DnsOptions dns) {
    return new Agent.Options(config, status, readiness, null, null, null, false, null, "test", null, dns);
  }

  static InetSocketAddress free() {
    return new InetSocketAddress("127.0.0.1", 0);
  }

  @Test
  void theStatusPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> Agent.start(options(new InetSocketAddress("127.0.0.1", taken.getLocalPort()), null,
          null), Clock.systemUTC()))
          .isInstanceOf(BindException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for status (15020")
          .hasMessageContaining("already in use")
          .hasMessageContaining("--status-address HOST:PORT (or --status-address off");
    }
  }

  @Test
  void theReadinessPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(() -> Agent.start(options(free(), new InetSocketAddress("127.0.0.1",
          taken.getLocalPort()), null), Clock.systemUTC()))
          .isInstanceOf(BindException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for readiness (15021)")
          .hasMessageContaining("--readiness-address HOST:PORT (or --readiness-address off");
    }
  }

  @Test
  void theDnsProxy() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      var dns = new Agent.DnsOptions(List.of(new InetSocketAddress("127.0.0.1", taken.getLocalPort())),
          dir.resolve("resolv.conf"), Duration.ofSeconds(1), false);
      assertThatThrownBy(() -> Agent.start(options(free(), null, dns), Clock.systemUTC()))
          .isInstanceOf(BindException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("the DNS proxy (15053)")
          .hasMessageContaining("--dns-listen HOST:PORT (or --dns off");
    }
  }
}
