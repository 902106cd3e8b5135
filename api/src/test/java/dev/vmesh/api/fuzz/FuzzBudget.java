package dev.vmesh.api.fuzz;

import java.time.Duration;
import java.util.Locale;

/**
 * How much one fuzz target may try: a number of inputs and a time, whichever runs out first. The size
 * comes from the system property {@code vmesh.fuzz}: {@code small} (the default, what {@code ./mvnw -B
 * verify} runs) or {@code full} ({@code -Dvmesh.fuzz=full}, documented in the README and
 * docs/security.md). The base seed comes from {@code vmesh.fuzz.seed} (default {@link #DEFAULT_SEED}),
 * so a run repeats exactly and another seed explores elsewhere.
 *
 * @param size {@code small} or {@code full}
 * @param inputs the most inputs to try
 * @param time the most time to spend trying them (checks after the last input excluded)
 * @param seed the base seed every input's generator derives from
 */
public record FuzzBudget(String size, int inputs, Duration time, long seed) {
  public static final String SIZE_PROPERTY = "vmesh.fuzz";
  public static final String SEED_PROPERTY = "vmesh.fuzz.seed";
  public static final long DEFAULT_SEED = 20261201L;
  /** Time cap of one target at {@code small}: the eight targets together stay under a minute. */
  public static final Duration SMALL_TIME = Duration.ofSeconds(6);
  /** Time cap of one target at {@code full}. */
  public static final Duration FULL_TIME = Duration.ofMinutes(5);

  /** The budget for a target that tries {@code small} inputs by default and {@code full} at full size. */
  public static FuzzBudget of(int small, int full) {
    String size = System.getProperty(SIZE_PROPERTY, "small").trim().toLowerCase(Locale.ROOT);
    long seed = Long.parseLong(System.getProperty(SEED_PROPERTY, Long.toString(DEFAULT_SEED)).trim());
    return switch (size) {
      case "", "small" -> new FuzzBudget("small", small, SMALL_TIME, seed);
      case "full" -> new FuzzBudget("full", full, FULL_TIME, seed);
      default -> throw new IllegalArgumentException("-D" + SIZE_PROPERTY + "=" + size
          + " is not a fuzz size; use small (the default) or full");
    };
  }

  public boolean full() {
    return size.equals("full");
  }

  /** {@code small} at small size, {@code full} at full size: for batch sizes and the like. */
  public int pick(int small, int full) {
    return full() ? full : small;
  }
}
