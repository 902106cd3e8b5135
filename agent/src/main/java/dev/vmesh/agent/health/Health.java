package dev.vmesh.agent.health;

import java.util.Objects;

/**
 * {@code Health} is the outcome of a readiness check, and the state a {@link Prober} reports: healthy
 * with an empty message, or unhealthy with a reason a user can act on.
 */
public record Health(boolean healthy, String message) {
  private static final Health HEALTHY = new Health(true, "");

  public Health {
    message = Objects.requireNonNullElse(message, "");
  }

  /** A passing result. */
  public static Health ok() {
    return HEALTHY;
  }

  /** A failing result with {@code reason}. */
  public static Health failed(String reason) {
    return new Health(false, reason);
  }
}
