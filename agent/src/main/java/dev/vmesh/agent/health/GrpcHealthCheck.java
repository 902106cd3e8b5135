package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code GrpcHealthCheck} calls {@code grpc.health.v1.Health/Check} in plaintext on {@code host:port} for
 * one service (empty means the server as a whole) and passes on {@code SERVING}; the deadline is the
 * timeout. Runs share one channel until {@link #close()}, except that a channel in
 * {@code TRANSIENT_FAILURE} is replaced: such a channel fails calls at once until its reconnect backoff
 * (up to two minutes) runs out, which would hide a server that has come back.
 */
public final class GrpcHealthCheck implements Check {
  private final String host;
  private final int port;
  private final String target;
  private final String service;
  private final Object lock = new Object();
  private ManagedChannel channel; // guarded by lock
  private boolean closed; // guarded by lock

  /** {@code host} is where the workload listens: the probe's default host. */
  public GrpcHealthCheck(ReadinessProbe.Grpc grpc, String host) {
    this.host = host;
    this.port = Checks.port("grpc", grpc.port());
    this.target = Checks.authority(host, port);
    this.service = grpc.service();
  }

  @Override
  public Health run(Duration timeout) {
    String what = "gRPC health check of " + (service.isEmpty() ? "the server" : "service \"" + service + "\"")
        + " at " + target;
    ManagedChannel channel = channel();
    if (channel == null) {
      return Health.failed(what + " failed: the check is closed");
    }
    try {
      HealthCheckResponse response = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build());
      return response.getStatus() == HealthCheckResponse.ServingStatus.SERVING
          ? Health.ok()
          : Health.failed(what + " returned " + response.getStatus());
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      return Health.failed(what + " failed: " + status.getCode()
          + (status.getDescription() == null ? "" : ": " + status.getDescription())
          + (status.getCause() == null ? "" : " (" + Checks.describe(status.getCause()) + ")"));
    }
  }

  /** The channel to use now, or null once closed. */
  private ManagedChannel channel() {
    synchronized (lock) {
      if (closed) {
        return null;
      }
      if (channel != null && channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
        channel.shutdownNow();
        channel = null;
      }
      if (channel == null) {
        channel = Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create()).build();
      }
      return channel;
    }
  }

  /** Shuts the channel down; later runs fail. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (channel != null) {
        channel.shutdownNow();
      }
    }
  }
}
