package dev.vmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.ReadinessProbe;
import dev.vmesh.api.time.Timer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The public constructor wires the probe's check, a real timer and a probe thread: a TCP workload going
 * down and coming back is reported; probes that cannot run are refused up front.
 */
class ProberReportsARealWorkloadTest {
  final ScheduledExecutorService timerThread = Executors.newSingleThreadScheduledExecutor();
  final ExecutorService probeThread = Executors.newSingleThreadExecutor();
  final List<Health> reports = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    timerThread.shutdownNow();
    probeThread.shutdownNow();
  }

  static ReadinessProbe tcp(int port) {
    return new ReadinessProbe(0, 1, 1, 1, 1, null, new ReadinessProbe.TcpSocket("", port), null, null);
  }

  @Test
  void aWorkloadGoingDownAndComingBackIsReported() throws IOException {
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    int port = server.getLocalPort();
    try (Prober prober = new Prober(tcp(port), "127.0.0.1", Timer.of(timerThread), probeThread, reports::add)) {
      prober.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> reports.size() == 1);
      assertThat(reports).containsExactly(Health.ok());

      server.close();
      await().atMost(Duration.ofSeconds(10)).until(() -> reports.size() == 2);
      assertThat(reports.get(1).healthy()).isFalse();
      assertThat(reports.get(1).message()).startsWith("TCP connect to 127.0.0.1:" + port + " failed: ");
      assertThat(prober.current()).isEqualTo(reports.get(1));

      server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
      await().atMost(Duration.ofSeconds(10)).until(() -> reports.size() == 3);
      assertThat(reports.get(2)).isEqualTo(Health.ok());
      assertThat(prober.stats().transitions()).isEqualTo(3);
      assertThat(prober.stats().probesFailed()).isPositive();
    } finally {
      server.close();
    }
  }

  @Test
  void probesThatCannotRunAreRefused() {
    ReadinessProbe none = new ReadinessProbe(0, 0, 0, 0, 0, null, null, null, null);
    ReadinessProbe two = new ReadinessProbe(0, 0, 0, 0, 0, null, new ReadinessProbe.TcpSocket("", 80),
        new ReadinessProbe.Exec(List.of("true")), null);
    ReadinessProbe noCommand = new ReadinessProbe(0, 0, 0, 0, 0, null, null, new ReadinessProbe.Exec(List.of()), null);
    ReadinessProbe badPort = new ReadinessProbe(0, 0, 0, 0, 0, null, null, null, new ReadinessProbe.Grpc(70000, ""));

    assertThatThrownBy(() -> new Prober(none, "127.0.0.1", Timer.of(timerThread), probeThread, reports::add))
        .hasMessage("readinessProbe: exactly one of httpGet, tcpSocket, exec and grpc must be set, found 0");
    assertThatThrownBy(() -> Check.of(two, "127.0.0.1"))
        .hasMessage("readinessProbe: exactly one of httpGet, tcpSocket, exec and grpc must be set, found 2");
    assertThatThrownBy(() -> Check.of(noCommand, "127.0.0.1"))
        .hasMessage("readinessProbe.exec.command: must name a program to run");
    assertThatThrownBy(() -> Check.of(badPort, "127.0.0.1"))
        .hasMessage("readinessProbe.grpc.port: 70000 is not in 1..65535");
  }

  @Test
  void eachProbeKindGetsItsCheck() {
    ReadinessProbe.HttpGet get = new ReadinessProbe.HttpGet("", 8080, "", "", List.of());
    assertThat(Check.of(new ReadinessProbe(0, 0, 0, 0, 0, get, null, null, null), "10.0.0.5"))
        .isInstanceOfSatisfying(HttpGetCheck.class, c -> assertThat(c.uri()).hasToString("http://10.0.0.5:8080/"));
    assertThat(Check.of(tcp(80), "10.0.0.5")).isInstanceOf(TcpSocketCheck.class);
    assertThat(Check.of(new ReadinessProbe(0, 0, 0, 0, 0, null, null, new ReadinessProbe.Exec(List.of("true")), null),
        "10.0.0.5")).isInstanceOf(ExecCheck.class);
    try (Check grpc = Check.of(new ReadinessProbe(0, 0, 0, 0, 0, null, null, null, new ReadinessProbe.Grpc(9000, "")),
        "10.0.0.5")) {
      assertThat(grpc).isInstanceOf(GrpcHealthCheck.class);
    }
  }
}
