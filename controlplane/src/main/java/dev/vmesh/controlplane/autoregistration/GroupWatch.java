package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Kind;
import dev.vmesh.api.time.Timer;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Rewatch;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GroupWatch} follows WorkloadGroups from their current state and hands each event to the
 * controller; a watch the store ends because its history is gone (Expired, e.g. a Kubernetes relist)
 * is started again, retried while the store refuses. A store that closes ends it for good.
 */
final class GroupWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupWatch.class);

  private final ConfigStore store;
  private final Timer timer;
  private final Consumer<WatchEvent> onEvent;
  private volatile Watch watch;
  private volatile boolean closed;
  private volatile String lastEvent = "";

  GroupWatch(ConfigStore store, Timer timer, Consumer<WatchEvent> onEvent) {
    this.store = store;
    this.timer = timer;
    this.onEvent = onEvent;
  }

  void start() {
    watch = store.watch(new WatchOptions(Set.of(Kind.WORKLOAD_GROUP), null, null), new WatchListener() {
      @Override
      public void onEvent(WatchEvent e) {
        try {
          onEvent.accept(e);
        } finally {
          lastEvent = e.resourceVersion();
        }
      }

      @Override
      public void onClose(StoreException cause) {
        if (closed || !(cause instanceof StoreException.Expired)) {
          return; // shutting down, or the store closed: nothing to watch again
        }
        LOG.warn("event=group_watch_lost error=\"{}\" action=watch_again", cause.getMessage());
        Rewatch.start("workload groups", timer, () -> closed, GroupWatch.this::start);
      }
    });
    if (closed) {
      watch.close(); // closed meanwhile
    }
  }

  /** The resourceVersion of the last event handled. */
  String lastEvent() {
    return lastEvent;
  }

  @Override
  public void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
  }
}
