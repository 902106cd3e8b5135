package dev.vmesh.store.etcd;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code StateView} is what a watcher believes the store holds, built from its events, and a record of
 * every event that could not be right: an ADDED for an object it already has, a MODIFIED or DELETED
 * for one it does not, a live event whose version goes backwards (a repeat).
 */
final class StateView implements WatchListener {
  final Map<ResourceKey, Resource> objects = new ConcurrentHashMap<>();
  final List<WatchEvent> events = new CopyOnWriteArrayList<>();
  final List<String> violations = new CopyOnWriteArrayList<>();
  final AtomicReference<StoreException> closedWith = new AtomicReference<>();
  private long lastVersion;
  private boolean synced;

  @Override
  public synchronized void onEvent(WatchEvent e) {
    events.add(e);
    long rv = Long.parseLong(e.resourceVersion());
    // the initial state comes in key order; from SYNCED on, versions never go back
    if (synced && rv < lastVersion) {
      violations.add("version went back from " + lastVersion + " to " + e);
    }
    lastVersion = Math.max(lastVersion, rv);
    if (e.type() == WatchEvent.Type.SYNCED) {
      synced = true;
      return;
    }
    ResourceKey key = e.object().key();
    Resource before = objects.get(key);
    switch (e.type()) {
      case ADDED -> {
        if (before != null) {
          violations.add("ADDED for an object already there: " + e);
        }
        objects.put(key, e.object());
      }
      case MODIFIED -> {
        if (before == null) {
          violations.add("MODIFIED for an unknown object: " + e);
        } else if (Long.parseLong(before.resourceVersion()) >= rv) {
          violations.add("MODIFIED repeats or goes back (had " + before.resourceVersion() + "): " + e);
        }
        objects.put(key, e.object());
      }
      case DELETED -> {
        if (before == null) {
          violations.add("DELETED for an unknown object: " + e);
        }
        objects.remove(key);
      }
      default -> { }
    }
  }

  @Override
  public void onClose(StoreException cause) {
    closedWith.set(cause);
  }

  /** Object names and versions, for comparing with a list. */
  Map<ResourceKey, String> versions() {
    Map<ResourceKey, String> out = new TreeMap<>();
    objects.forEach((k, v) -> out.put(k, v.resourceVersion()));
    return out;
  }

  static Map<ResourceKey, String> versions(List<Resource> items) {
    Map<ResourceKey, String> out = new TreeMap<>();
    items.forEach(r -> out.put(r.key(), r.resourceVersion()));
    return out;
  }
}
