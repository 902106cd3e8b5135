package dev.vmesh.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.ReadinessProbe;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** gRPC health probes against a real grpc-java server with a HealthStatusManager on 127.0.0.1. */
class GrpcHealthProbeTest {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  final HealthStatusManager health = new HealthStatusManager();
  Server server;
  int port;

  @BeforeEach
  void startServer() throws IOException {
    server = start(0);
    port = server.getPort();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  Server start(int port) throws IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
        .addService(health.getHealthService()).build().start();
  }

  GrpcHealthCheck check(String service) {
    return new GrpcHealthCheck(new ReadinessProbe.Grpc(port, service), "127.0.0.1");
  }

  @Test
  void anEmptyServiceAsksAboutTheWholeServer() {
    try (GrpcHealthCheck check = check("")) {
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());
      health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
      assertThat(check.run(TIMEOUT))
          .isEqualTo(Health.failed("gRPC health check of the server at 127.0.0.1:" + port + " returned NOT_SERVING"));
    }
  }

  @Test
  void aNamedServicePassesOnlyWhileServing() {
    health.setStatus("shop.Cart", ServingStatus.SERVING);
    try (GrpcHealthCheck check = check("shop.Cart")) {
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());

      health.setStatus("shop.Cart", ServingStatus.NOT_SERVING);
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.failed(
          "gRPC health check of service \"shop.Cart\" at 127.0.0.1:" + port + " returned NOT_SERVING"));

      health.setStatus("shop.Cart", ServingStatus.SERVING);
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());
    }
  }

  @Test
  void anUnknownServiceFails() {
    try (GrpcHealthCheck check = check("shop.Missing")) {
      Health result = check.run(TIMEOUT);
      assertThat(result.healthy()).isFalse();
      assertThat(result.message())
          .startsWith("gRPC health check of service \"shop.Missing\" at 127.0.0.1:" + port + " failed: NOT_FOUND");
    }
  }

  @Test
  void aServerThatComesBackIsSeenByTheNextRun() throws Exception {
    try (GrpcHealthCheck check = check("")) {
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());

      server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      Health down = check.run(TIMEOUT);
      assertThat(down.healthy()).isFalse();
      assertThat(down.message()).startsWith("gRPC health check of the server at 127.0.0.1:" + port + " failed: ");
      assertThat(check.run(TIMEOUT).healthy()).isFalse();

      // the channel is now backing off; the next run must not wait that out
      server = start(port);
      assertThat(check.run(TIMEOUT)).isEqualTo(Health.ok());
    }
  }

  @Test
  void afterCloseRunsFail() {
    GrpcHealthCheck check = check("");
    check.close();
    assertThat(check.run(TIMEOUT).healthy()).isFalse();
  }
}
