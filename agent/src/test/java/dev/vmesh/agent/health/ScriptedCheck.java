package dev.vmesh.agent.health;

import dev.vmesh.api.time.ManualTimer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** A check that returns results the test queues up ("pass" when none is queued) and remembers its calls. */
final class ScriptedCheck implements Check {
  private final ManualTimer time;
  private final Deque<Object> script = new ArrayDeque<>(); // Health or RuntimeException
  final List<Instant> runTimes = new ArrayList<>();
  final List<Duration> timeouts = new ArrayList<>();
  boolean closed;

  ScriptedCheck(ManualTimer time) {
    this.time = time;
  }

  ScriptedCheck pass(int times) {
    for (int i = 0; i < times; i++) {
      script.add(Health.ok());
    }
    return this;
  }

  ScriptedCheck fail(String... messages) {
    for (String m : messages) {
      script.add(Health.failed(m));
    }
    return this;
  }

  ScriptedCheck fail(int times) {
    for (int i = 0; i < times; i++) {
      script.add(Health.failed("failure " + (i + 1)));
    }
    return this;
  }

  ScriptedCheck thenThrow(RuntimeException e) {
    script.add(e);
    return this;
  }

  int runs() {
    return runTimes.size();
  }

  @Override
  public synchronized Health run(Duration timeout) {
    runTimes.add(time.instant());
    timeouts.add(timeout);
    Object next = script.isEmpty() ? Health.ok() : script.poll();
    if (next instanceof RuntimeException e) {
      throw e;
    }
    return (Health) next;
  }

  @Override
  public void close() {
    closed = true;
  }
}
