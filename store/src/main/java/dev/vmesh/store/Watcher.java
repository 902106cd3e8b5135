package dev.vmesh.store;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Watcher} delivers one watch's events on its own virtual thread, so a slow listener never
 * blocks writers. Its queue is bounded: a listener that falls further behind than the queue holds is
 * closed with {@link StoreException.Expired} and must start over. Stores use it to implement
 * {@link ConfigStore#watch}: events go in with {@link #offer}, which never blocks.
 */
public final class Watcher implements Watch {
  private static final Logger LOG = LoggerFactory.getLogger(Watcher.class);
  private static final WatchEvent STOP = WatchEvent.synced("stop");

  private final WatchOptions options;
  private final WatchListener listener;
  private final BlockingQueue<WatchEvent> queue;
  private final Consumer<Watcher> onClosed;
  private volatile boolean closed;
  private volatile StoreException failure;
  private Thread thread;

  /** {@code onClosed} runs once when the watch ends, whoever ends it. */
  public Watcher(WatchOptions options, WatchListener listener, int capacity, Consumer<Watcher> onClosed) {
    this.options = options;
    this.listener = listener;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.onClosed = onClosed;
  }

  /** Starts delivery: {@code initial} first (snapshot or replay), then queued live events. */
  public void start(List<WatchEvent> initial, String name) {
    thread = Thread.ofVirtual().name(name).start(() -> run(initial));
  }

  /** Queues a live event if it matches; never blocks (the store may call it under its own lock). */
  public void offer(WatchEvent e) {
    if (closed || !options.matches(e.object())) {
      return;
    }
    if (!queue.offer(e)) {
      fail(new StoreException.Expired("watch fell more than " + (queue.size() + queue.remainingCapacity())
          + " events behind and was closed; list and watch again"));
    }
  }

  /** Ends the watch from the store's side; the listener's onClose gets {@code cause}. */
  public void fail(StoreException cause) {
    if (closed) {
      return;
    }
    failure = cause;
    stop();
  }

  @Override
  public void close() {
    stop();
  }

  private void stop() {
    if (closed) {
      return;
    }
    closed = true;
    onClosed.accept(this);
    queue.clear();
    queue.offer(STOP);
  }

  private void run(List<WatchEvent> initial) {
    try {
      for (WatchEvent e : initial) {
        if (closed) {
          break;
        }
        deliver(e);
      }
      while (!closed) {
        WatchEvent e = queue.take();
        if (e == STOP) {
          break;
        }
        deliver(e);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    StoreException cause = failure;
    if (cause != null) {
      try {
        listener.onClose(cause);
      } catch (RuntimeException ex) {
        LOG.warn("event=watch_listener_failed phase=close error={}", ex.toString(), ex);
      }
    }
  }

  private void deliver(WatchEvent e) {
    try {
      listener.onEvent(e);
    } catch (RuntimeException ex) {
      LOG.warn("event=watch_listener_failed type={} object={} error={}", e.type(), e.object(), ex.toString(), ex);
    }
  }
}
