package dev.vmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.ReadinessProbe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** TCP probes against a listening and a closed port on 127.0.0.1. */
class TcpSocketProbeTest {
  static final Duration TIMEOUT = Duration.ofSeconds(1);

  static ServerSocket listen() throws IOException {
    return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  @Test
  void aListeningPortPassesOnTheDefaultHost() throws IOException {
    try (ServerSocket server = listen()) {
      Check check = new TcpSocketCheck(new ReadinessProbe.TcpSocket("", server.getLocalPort()), "127.0.0.1");
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());
    }
  }

  @Test
  void theProbeHostWinsOverTheDefaultHost() throws IOException {
    try (ServerSocket server = listen()) {
      Check check = new TcpSocketCheck(new ReadinessProbe.TcpSocket("127.0.0.1", server.getLocalPort()),
          "default-host.invalid");
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());
    }
  }

  @Test
  void aClosedPortFailsWithTheAddressInTheMessage() throws IOException {
    int port;
    try (ServerSocket server = listen()) {
      port = server.getLocalPort();
    }
    Health health = new TcpSocketCheck(new ReadinessProbe.TcpSocket("", port), "127.0.0.1").run(TIMEOUT);
    assertThat(health.healthy()).isFalse();
    assertThat(health.message()).startsWith("TCP connect to 127.0.0.1:" + port + " failed: ")
        .containsIgnoringCase("refused");
  }
}
