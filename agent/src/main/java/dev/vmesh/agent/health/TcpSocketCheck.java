package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * {@code TcpSocketCheck} passes when a TCP connection to {@code host:port} opens within the timeout; the
 * connection is closed at once. A host name is resolved before connecting, outside the timeout.
 */
public final class TcpSocketCheck implements Check {
  private final String host;
  private final int port;

  /** {@code defaultHost} stands in for an empty {@code host}. */
  public TcpSocketCheck(ReadinessProbe.TcpSocket socket, String defaultHost) {
    this.host = Checks.hostOr(socket.host(), defaultHost);
    this.port = Checks.port("tcpSocket", socket.port());
  }

  @Override
  public Health run(Duration timeout) {
    String what = "TCP connect to " + Checks.authority(host, port);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), (int) Math.clamp(timeout.toMillis(), 1, Integer.MAX_VALUE));
      return Health.ok();
    } catch (SocketTimeoutException e) {
      return Health.failed(what + " timed out after " + Checks.seconds(timeout));
    } catch (IOException | IllegalArgumentException e) {
      return Health.failed(what + " failed: " + Checks.failure(e));
    }
  }
}
