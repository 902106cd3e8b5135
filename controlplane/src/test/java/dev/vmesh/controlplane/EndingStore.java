package dev.vmesh.controlplane;

import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ForwardingConfigStore;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test store: delegates to a store, can end every watch the way a store that lost its history does,
 * and can refuse the next watches as a store that is unreachable for a moment would.
 */
public final class EndingStore extends ForwardingConfigStore {
  private final ConfigStore inner;
  /** The watches opened, in order. */
  public final List<Ended> watches = new CopyOnWriteArrayList<>();
  /** Watches refused so far. */
  public final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger refuseNext = new AtomicInteger();
  private final Set<Ended> ended = ConcurrentHashMap.newKeySet();

  public record Ended(Watch watch, WatchListener listener) {}

  public EndingStore(ConfigStore inner) {
    super(inner);
    this.inner = inner;
  }

  /** Ends every open watch with Expired. */
  public void endWatches() {
    endWatches(new StoreException.Expired("history lost; list and watch again"));
  }

  public void endWatches(StoreException cause) {
    for (Ended e : List.copyOf(watches)) {
      if (ended.add(e)) { // each watch ends once
        e.watch().close();
        e.listener().onClose(cause);
      }
    }
  }

  /** The next {@code n} calls to {@link #watch} fail as if the store were unreachable. */
  public void refuseNextWatches(int n) {
    refuseNext.set(n);
  }

  @Override
  public Watch watch(WatchOptions options, WatchListener listener) {
    if (refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      refused.incrementAndGet();
      throw new StoreException.Unavailable("etcd at http://127.0.0.1:2379 is unavailable (test)", null);
    }
    Watch w = inner.watch(options, listener);
    watches.add(new Ended(w, listener));
    return w;
  }

  @Override
  public String describe() {
    return "ending";
  }
}
