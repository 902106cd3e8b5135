package dev.vmesh.dns;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test helper: upstream timeouts that fire only when the test says so. */
final class ManualTimeouts implements TimeoutScheduler {
  private final class Pending implements Handle {
    final EventLoop loop;
    final Runnable task;
    final Duration delay;
    volatile boolean cancelled;

    Pending(EventLoop loop, Runnable task, Duration delay) {
      this.loop = loop;
      this.task = task;
      this.delay = delay;
    }

    @Override
    public void cancel() {
      cancelled = true;
      pending.remove(this);
    }
  }

  private final List<Pending> pending = new CopyOnWriteArrayList<>();

  @Override
  public Handle schedule(EventLoop loop, Duration delay, Runnable task) {
    Pending p = new Pending(loop, task, delay);
    pending.add(p);
    return p;
  }

  /** Timeouts scheduled and neither fired nor cancelled. */
  int pending() {
    return pending.size();
  }

  /** The delay the first pending timeout was scheduled with. */
  Duration firstDelay() {
    return pending.getFirst().delay;
  }

  /** Fires every pending timeout (each on its event loop). */
  void fireAll() {
    for (Pending p : pending) {
      pending.remove(p);
      if (!p.cancelled) {
        p.loop.execute(p.task);
      }
    }
  }
}
