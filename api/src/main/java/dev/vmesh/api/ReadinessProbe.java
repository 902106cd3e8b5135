package dev.vmesh.api;

import java.util.List;
import java.util.Objects;

/**
 * {@code ReadinessProbe} is a WorkloadGroup's health check. At most one of {@code httpGet},
 * {@code tcpSocket}, {@code exec} and {@code grpc} is set (the others are null). Integer fields are 0
 * when unset; the agent applies defaults (see docs/compatibility.md).
 */
public record ReadinessProbe(
    int initialDelaySeconds,
    int timeoutSeconds,
    int periodSeconds,
    int successThreshold,
    int failureThreshold,
    HttpGet httpGet,
    TcpSocket tcpSocket,
    Exec exec,
    Grpc grpc) {

  /** Failures in a row before a healthy workload is reported unhealthy, when unset (see compatibility.md). */
  public static final int DEFAULT_FAILURE_THRESHOLD = 3;
  public static final int DEFAULT_SUCCESS_THRESHOLD = 1;
  public static final int DEFAULT_TIMEOUT_SECONDS = 1;
  public static final int DEFAULT_PERIOD_SECONDS = 10;

  /** {@code failureThreshold}, or 3 when unset: the documented default, not istio-agent's 1. */
  public int effectiveFailureThreshold() {
    return failureThreshold > 0 ? failureThreshold : DEFAULT_FAILURE_THRESHOLD;
  }

  public int effectiveSuccessThreshold() {
    return successThreshold > 0 ? successThreshold : DEFAULT_SUCCESS_THRESHOLD;
  }

  public int effectiveTimeoutSeconds() {
    return timeoutSeconds > 0 ? timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;
  }

  public int effectivePeriodSeconds() {
    return periodSeconds > 0 ? periodSeconds : DEFAULT_PERIOD_SECONDS;
  }

  /** How many of httpGet, tcpSocket, exec and grpc are set (valid probes have exactly one). */
  public int methodCount() {
    return (httpGet != null ? 1 : 0) + (tcpSocket != null ? 1 : 0) + (exec != null ? 1 : 0)
        + (grpc != null ? 1 : 0);
  }

  /** An HTTP GET check; a 2xx or 3xx status passes. */
  public record HttpGet(String path, int port, String host, String scheme, List<Header> httpHeaders) {
    public HttpGet {
      path = Objects.requireNonNullElse(path, "");
      host = Objects.requireNonNullElse(host, "");
      scheme = Objects.requireNonNullElse(scheme, "");
      httpHeaders = httpHeaders == null ? List.of() : List.copyOf(httpHeaders);
    }
  }

  /** One header sent with an HTTP check. */
  public record Header(String name, String value) {
    public Header {
      name = Objects.requireNonNullElse(name, "");
      value = Objects.requireNonNullElse(value, "");
    }
  }

  /** A TCP connect check. */
  public record TcpSocket(String host, int port) {
    public TcpSocket {
      host = Objects.requireNonNullElse(host, "");
    }
  }

  /** A command run on the VM; exit code 0 passes. */
  public record Exec(List<String> command) {
    public Exec {
      command = command == null ? List.of() : List.copyOf(command);
    }
  }

  /** A gRPC health check ({@code grpc.health.v1.Health/Check}). */
  public record Grpc(int port, String service) {
    public Grpc {
      service = Objects.requireNonNullElse(service, "");
    }
  }
}
