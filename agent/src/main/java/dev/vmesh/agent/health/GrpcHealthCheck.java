package dev.vmesh.agent.health;

import dev.vmesh.api.ReadinessProbe;
import io.grpc.ConnectivityState;
import io.grpc.Deadline;
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
 * (up to two minutes) runs out, which would hide a server that has come back. The channel's state can
 * lag behind the failure it remembers, so a call on a reused channel that fails as UNAVAILABLE is made
 * once more on a new channel, within the same deadline.
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
    Deadline deadline = Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
    Use first = channel(null);
    if (first == null) {
      return Health.failed(what + " failed: the check is closed");
    }
    Status failure;
    try {
      return check(first.channel(), deadline, what);
    } catch (StatusRuntimeException e) {
      failure = e.getStatus();
      if (failure.getCode() != Status.Code.UNAVAILABLE || first.fresh() || deadline.isExpired()) {
        return failed(what, failure, timeout);
      }
    }
    Use fresh = channel(first.channel()); // replaces the one that failed, unless another run did already
    if (fresh == null) {
      return Health.failed(what + " failed: the check is closed");
    }
    try {
      return check(fresh.channel(), deadline, what);
    } catch (StatusRuntimeException e) {
      // out of time on the second try: the first failure says more
      Status last = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED ? failure : e.getStatus();
      return failed(what, last, timeout);
    }
  }

  /** A channel for one run, and whether this run made it. */
  private record Use(ManagedChannel channel, boolean fresh) {}

  private Health check(ManagedChannel channel, Deadline deadline, String what) {
    HealthCheckResponse response = HealthGrpc.newBlockingStub(channel).withDeadline(deadline)
        .check(HealthCheckRequest.newBuilder().setService(service).build());
    return response.getStatus() == HealthCheckResponse.ServingStatus.SERVING
        ? Health.ok()
        : Health.failed(what + " returned " + response.getStatus());
  }

  /**
   * The failure in the words every check uses ("timed out after", "connection refused"), else the
   * status code and its description.
   */
  private static Health failed(String what, Status status, Duration timeout) {
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return Health.failed(what + " timed out after " + Checks.seconds(timeout));
    }
    String network = status.getCode() == Status.Code.UNAVAILABLE ? Checks.networkFailure(status.getCause()) : null;
    if (network != null) {
      return Health.failed(what + " failed: " + network);
    }
    return Health.failed(what + " failed: " + status.getCode()
        + (status.getDescription() == null ? "" : ": " + status.getDescription())
        + (status.getCause() == null ? "" : " (" + Checks.describe(status.getCause()) + ")"));
  }

  /**
   * The channel to use now, or null once closed. A channel in TRANSIENT_FAILURE, or {@code failed} when
   * it is still the current one, is replaced by a new one.
   */
  private Use channel(ManagedChannel failed) {
    synchronized (lock) {
      if (closed) {
        return null;
      }
      if (channel != null && (channel == failed || channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE)) {
        channel.shutdownNow();
        channel = null;
      }
      boolean fresh = channel == null;
      if (fresh) {
        channel = Grpc.newChannelBuilderForAddress(host, port, InsecureChannelCredentials.create()).build();
      }
      return new Use(channel, fresh);
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
