package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import java.time.Duration;

/**
 * {@code Check} runs one readiness check (an HTTP GET, a TCP connect, a command, a gRPC health call)
 * and says whether it passed. A check returns within roughly {@code timeout} and never throws for a
 * failing workload: failures are results. Checks are run one at a time by a {@link Prober}.
 */
public interface Check extends AutoCloseable {

  /** Runs the check once, giving up after {@code timeout}. */
  Health run(Duration timeout);

  /** Releases what the check holds between runs (a gRPC channel, for instance). */
  @Override
  default void close() {}

  /**
   * The check {@code probe} describes; hosts the probe leaves empty become {@code defaultHost} (the
   * VM's first IP, or {@code localhost}).
   *
   * @throws IllegalArgumentException when the probe does not name exactly one method, or names one that
   *     cannot work (an unsupported scheme, an empty command, a port outside 1..65535)
   */
  static Check of(ReadinessProbe probe, String defaultHost) {
    if (probe.methodCount() != 1) {
      throw new IllegalArgumentException("readinessProbe: exactly one of httpGet, tcpSocket, exec and grpc must be"
          + " set, found " + probe.methodCount());
    }
    if (probe.httpGet() != null) {
      return new HttpGetCheck(probe.httpGet(), defaultHost);
    }
    if (probe.tcpSocket() != null) {
      return new TcpSocketCheck(probe.tcpSocket(), defaultHost);
    }
    if (probe.exec() != null) {
      return new ExecCheck(probe.exec());
    }
    return new GrpcHealthCheck(probe.grpc(), defaultHost);
  }
}
