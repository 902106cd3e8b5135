package dev.vmesh.store;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** A {@link WatchListener} for tests: keeps events, and as "TYPE name" strings; remembers why it closed. */
public class EventRecorder implements WatchListener {
  public final List<String> events = new CopyOnWriteArrayList<>();
  public final List<WatchEvent> raw = new CopyOnWriteArrayList<>();
  public final AtomicReference<StoreException> closedWith = new AtomicReference<>();

  @Override
  public void onEvent(WatchEvent e) {
    raw.add(e);
    events.add(e.type() + (e.object() == null ? "" : " " + e.object().name()));
  }

  @Override
  public void onClose(StoreException cause) {
    closedWith.set(cause);
  }

  /** The events after the initial state (everything after SYNCED, or everything if there was none). */
  public List<WatchEvent> live() {
    List<WatchEvent> all = List.copyOf(raw);
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).type() == WatchEvent.Type.SYNCED) {
        return all.subList(i + 1, all.size());
      }
    }
    return all;
  }
}
