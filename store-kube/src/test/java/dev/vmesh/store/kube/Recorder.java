package dev.vmesh.store.kube;

import dev.vmesh.store.StoreException;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** Records a watch's events and how it ended. */
final class Recorder implements WatchListener {
  final List<WatchEvent> events = new CopyOnWriteArrayList<>();
  final AtomicReference<StoreException> closedWith = new AtomicReference<>();

  @Override
  public void onEvent(WatchEvent event) {
    events.add(event);
  }

  @Override
  public void onClose(StoreException cause) {
    closedWith.set(cause);
  }

  /** "TYPE name" for each event after SYNCED (or all when there is none). */
  List<String> changes() {
    int start = 0;
    for (int i = 0; i < events.size(); i++) {
      if (events.get(i).type() == WatchEvent.Type.SYNCED) {
        start = i + 1;
      }
    }
    return events.subList(start, events.size()).stream()
        .map(e -> e.type() + " " + e.object().name()).toList();
  }

  boolean synced() {
    return events.stream().anyMatch(e -> e.type() == WatchEvent.Type.SYNCED);
  }
}
