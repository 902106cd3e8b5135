package dev.vmesh.api;

import java.time.Instant;
import java.util.Objects;

/**
 * {@code Condition} is one entry of {@code status.conditions} (Istio's IstioCondition). Times are null
 * when unset. vmesh writes the {@code Healthy} condition for health-checked WorkloadEntries.
 */
public record Condition(
    String type,
    String status,
    Instant lastProbeTime,
    Instant lastTransitionTime,
    String reason,
    String message,
    long observedGeneration) {

  /** The condition type health checks write. */
  public static final String HEALTHY = "Healthy";

  public Condition {
    type = Objects.requireNonNullElse(type, "");
    status = Objects.requireNonNullElse(status, "");
    reason = Objects.requireNonNullElse(reason, "");
    message = Objects.requireNonNullElse(message, "");
  }

  public boolean isTrue() {
    return "True".equals(status);
  }
}
