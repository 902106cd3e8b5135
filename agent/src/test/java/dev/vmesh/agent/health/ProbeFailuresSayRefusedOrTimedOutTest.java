package dev.vmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.ReadinessProbe;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A probe that fails because nothing listens says "connection refused", and one whose workload does
 * not answer in time says "timed out after <timeout>", in the same words for every kind of check, so
 * the reason in the entry's Healthy condition reads the same whatever the probe.
 */
class ProbeFailuresSayRefusedOrTimedOutTest {
  /** The timeout of the probe that is meant to time out. */
  static final Duration TIMEOUT = Duration.ofSeconds(1);
  /** Generous, for probes that must fail for another reason first even on a loaded machine. */
  static final Duration LONG = Duration.ofSeconds(10);

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void nothingListeningIsConnectionRefusedForEveryCheck() throws Exception {
    int port = closedPort();
    assertThat(new TcpSocketCheck(new ReadinessProbe.TcpSocket("127.0.0.1", port), "").run(LONG))
        .isEqualTo(Health.failed("TCP connect to 127.0.0.1:" + port + " failed: connection refused"));
    assertThat(new HttpGetCheck(new ReadinessProbe.HttpGet("/healthz", port, "127.0.0.1", "", List.of()), "")
        .run(LONG)).isEqualTo(Health.failed("GET http://127.0.0.1:" + port + "/healthz failed: connection refused"));
    try (GrpcHealthCheck grpc = new GrpcHealthCheck(new ReadinessProbe.Grpc(port, ""), "127.0.0.1")) {
      assertThat(grpc.run(LONG)).isEqualTo(Health.failed("gRPC health check of the server at 127.0.0.1:" + port
          + " failed: connection refused"));
    }
  }

  @Test
  void aGrpcServerThatNeverAnswersTimedOut() throws Exception {
    Server silent = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new HealthGrpc.HealthImplBase() {
          @Override
          public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> out) {
            // never answers
          }
        }).build().start();
    try (GrpcHealthCheck grpc = new GrpcHealthCheck(new ReadinessProbe.Grpc(silent.getPort(), ""), "127.0.0.1")) {
      assertThat(grpc.run(TIMEOUT)).isEqualTo(Health.failed("gRPC health check of the server at 127.0.0.1:"
          + silent.getPort() + " timed out after 1s"));
    } finally {
      silent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
