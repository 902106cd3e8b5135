package dev.vmesh.agent.health;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;

/** An executor that only queues tasks; the test runs them when it chooses, as a slow probe thread would. */
final class QueuedExecutor implements Executor {
  private final Queue<Runnable> queue = new ArrayDeque<>();

  @Override
  public synchronized void execute(Runnable task) {
    queue.add(task);
  }

  synchronized int pending() {
    return queue.size();
  }

  /** Runs the oldest queued task. */
  void runNext() {
    Runnable task;
    synchronized (this) {
      task = queue.remove();
    }
    task.run();
  }
}
