package dev.vmesh.api.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock and a timer the test moves by hand: advancing runs every task that falls due, in order. */
public final class ManualTimer extends Clock implements Timer {
  private Instant now = Instant.parse("2026-11-25T12:00:00Z");
  private final List<Object[]> tasks = new ArrayList<>(); // {Instant due, Runnable, boolean[] cancelled}

  @Override
  public synchronized Handle schedule(Runnable task, Duration delay) {
    boolean[] cancelled = {false};
    tasks.add(new Object[] {now.plus(delay), task, cancelled});
    return () -> cancelled[0] = true;
  }

  /** Moves time forward by {@code d}, running due tasks (tasks they schedule run too if due). */
  public void advance(Duration d) {
    Instant target = now.plus(d);
    while (true) {
      Object[] next;
      synchronized (this) {
        tasks.removeIf(t -> ((boolean[]) t[2])[0]);
        next = tasks.stream().min(Comparator.comparing(t -> (Instant) t[0])).orElse(null);
        if (next == null || ((Instant) next[0]).isAfter(target)) {
          now = target;
          return;
        }
        tasks.remove(next);
        now = (Instant) next[0];
      }
      ((Runnable) next[1]).run();
    }
  }

  /** When the earliest pending task is due, or null. */
  public synchronized Instant nextDue() {
    return tasks.stream().filter(t -> !((boolean[]) t[2])[0]).map(t -> (Instant) t[0]).min(Comparator.naturalOrder())
        .orElse(null);
  }

  @Override
  public synchronized Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
