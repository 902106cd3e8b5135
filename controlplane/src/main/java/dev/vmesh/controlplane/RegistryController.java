package dev.vmesh.controlplane;

import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus.HostAddress;
import dev.vmesh.api.time.Timer;
import dev.vmesh.registry.Registry;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Rewatch;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code RegistryController} keeps a {@link Registry} in step with a {@link ConfigStore}: it loads the
 * store's state in one batch, then applies each watch event, and writes allocated virtual IPs back to
 * ServiceEntry status (on its own thread, so store latency never delays the registry). If the watch is
 * lost it starts over with a fresh registry.
 */
public final class RegistryController implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryController.class);

  private final ConfigStore store;
  private final Supplier<Registry> registryFactory;
  /** Set once, before {@link #start}: the thread that starts the watch publishes them to its callbacks. */
  private Consumer<Registry.Changes> onChange;
  private Runnable onReset;
  private final ExecutorService statusWriter =
      Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("status-writer").unstarted(r));
  private final CountDownLatch synced = new CountDownLatch(1);
  private volatile Registry registry;
  /** The store version the registry reflects; guarded by {@code this}, as is {@link #waiters}. */
  private long appliedRevision;
  /** Callers of {@link #awaitRevision}, lowest revision first; each is woken once, when its revision is applied. */
  private final PriorityQueue<Waiter> waiters =
      new PriorityQueue<>(Comparator.comparingLong(Waiter::revision));

  private record Waiter(long revision, CountDownLatch latch) {}
  private volatile Watch watch;
  private volatile boolean closed;
  private final Timer timer;
  private final ScheduledExecutorService rewatchThread;

  /**
   * {@code onChange} gets each incremental change; {@code onReset} runs when a (re)loaded registry
   * replaced the previous one wholesale.
   */
  private volatile BooleanSupplier leading = () -> true;

  public RegistryController(ConfigStore store, Supplier<Registry> registryFactory,
      Consumer<Registry.Changes> onChange, Runnable onReset) {
    this(store, registryFactory, onChange, onReset, null);
  }

  /**
   * A controller whose subscriber is named later with {@link #publishTo}, before {@link #start}: the
   * server builds the registry before xDS, which reads it and then subscribes to its changes.
   */
  public RegistryController(ConfigStore store, Supplier<Registry> registryFactory) {
    this(store, registryFactory, c -> { }, () -> { }, null);
  }

  /** Where changes go from {@link #start} on; called once, before it. */
  public void publishTo(Consumer<Registry.Changes> onChange, Runnable onReset) {
    if (watch != null) {
      throw new IllegalStateException("the registry's subscriber is set before it starts");
    }
    this.onChange = onChange;
    this.onReset = onReset;
  }

  /** As above; {@code timer} (null: a thread of its own) runs the retries of a watch the store ended. */
  RegistryController(ConfigStore store, Supplier<Registry> registryFactory,
      Consumer<Registry.Changes> onChange, Runnable onReset, Timer timer) {
    this.rewatchThread = timer != null ? null : Executors.newSingleThreadScheduledExecutor(
        r -> Thread.ofPlatform().daemon().name("registry-rewatch").unstarted(r));
    this.timer = timer != null ? timer : Timer.of(rewatchThread);
    this.store = store;
    this.registryFactory = registryFactory;
    this.onChange = onChange;
    this.onReset = onReset;
    this.registry = registryFactory.get();
  }

  /** Starts watching the store. */
  public void start() {
    Registry fresh = registryFactory.get();
    List<Resource> initial = new ArrayList<>();
    watch = store.watch(WatchOptions.fromCurrentState(), new WatchListener() {
      private boolean loaded;

      @Override
      public void onEvent(WatchEvent e) {
        if (!loaded) {
          if (e.type() == WatchEvent.Type.SYNCED) {
            fresh.load(initial);
            initial.clear();
            loaded = true;
            registry = fresh;
            applied(e.resourceVersion());
            LOG.info("event=registry_synced services={} resourceVersion={}", fresh.services().size(),
                e.resourceVersion());
            fresh.sidecars().ignored().forEach(i -> LOG.warn("event=sidecar_shadowed detail=\"{}\"", i));
            synced.countDown();
            onReset.run();
            scheduleStatusWrites();
          } else {
            initial.add(e.object());
          }
          return;
        }
        Registry.Changes changes = apply(registry, e);
        if (!changes.isEmpty()) {
          onChange.accept(changes);
        }
        if (!changes.sidecars().isEmpty()) {
          for (String ignored : changes.sidecars().after().ignored()) {
            LOG.warn("event=sidecar_shadowed detail=\"{}\"", ignored);
          }
        }
        applied(e.resourceVersion());
        if (!registry.pendingStatusUpdates().isEmpty()) {
          scheduleStatusWrites();
        }
      }

      @Override
      public void onClose(StoreException cause) {
        if (!closed) {
          LOG.warn("event=registry_watch_lost error={} action=resync", cause.getMessage());
          Rewatch.start("registry", timer, () -> closed, RegistryController.this::start);
        }
      }
    });
    if (closed) {
      watch.close(); // closed while this (re)start was under way
    }
  }

  /** What a store event does to the registry (SYNCED, after the first load, does nothing). */
  private static Registry.Changes apply(Registry registry, WatchEvent e) {
    return switch (e.type()) {
      case ADDED, MODIFIED -> registry.upsert(e.object());
      case DELETED -> registry.delete(e.object().key());
      case SYNCED -> Registry.Changes.NONE;
    };
  }

  private synchronized void applied(String resourceVersion) {
    try {
      appliedRevision = Math.max(appliedRevision, Long.parseLong(resourceVersion));
    } catch (NumberFormatException e) {
      return; // a store with non-numeric versions: waiters time out instead
    }
    while (!waiters.isEmpty() && waiters.peek().revision() <= appliedRevision) {
      waiters.poll().latch().countDown();
    }
  }

  /**
   * Waits (up to {@code timeout}) until the registry reflects store version {@code resourceVersion}, so a
   * caller that just wrote can count on the next push containing the write.
   */
  public boolean awaitRevision(String resourceVersion, Duration timeout) throws InterruptedException {
    Waiter w;
    synchronized (this) {
      long wanted = Long.parseLong(resourceVersion);
      if (appliedRevision >= wanted) {
        return true;
      }
      w = new Waiter(wanted, new CountDownLatch(1));
      waiters.add(w);
    }
    try {
      return w.latch().await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } finally {
      synchronized (this) {
        waiters.remove(w);
      }
    }
  }

  /** Waits for the first full load; true if it happened within the timeout. */
  public boolean awaitSynced(long timeout, TimeUnit unit) throws InterruptedException {
    return synced.await(timeout, unit);
  }

  public boolean isSynced() {
    return synced.getCount() == 0;
  }

  /** The current registry (replaced by a fresh one after a resync). */
  public Registry registry() {
    return registry;
  }

  /**
   * Records allocated addresses in the store only while {@code leading} says so: of several replicas
   * sharing a store, only the leader writes them, and the others adopt what it recorded.
   */
  public void recordAddressesOnlyWhen(BooleanSupplier leading) {
    this.leading = leading;
  }

  /** Records the addresses allocated but not yet in the store (when this replica starts leading). */
  public void recordAddresses() {
    scheduleStatusWrites();
  }

  private void scheduleStatusWrites() {
    if (!closed) {
      statusWriter.execute(this::writeStatus);
    }
  }

  private void writeStatus() {
    if (!leading.getAsBoolean()) {
      return;
    }
    for (Map.Entry<ResourceKey, List<HostAddress>> e : registry.pendingStatusUpdates().entrySet()) {
      try {
        Optional<Resource> current = store.get(e.getKey());
        if (current.isEmpty() || current.get().status().addresses().equals(e.getValue())) {
          continue;
        }
        Resource r = current.get();
        store.updateStatus(r.withStatus(r.status().withAddresses(e.getValue())));
        LOG.info("event=addresses_recorded object={} addresses={}", e.getKey(),
            e.getValue().stream().map(a -> a.host() + "=" + a.value()).collect(Collectors.joining(",")));
      } catch (StoreException.Conflict | StoreException.NotFound race) {
        // the object changed meanwhile; its event will bring us back here
      } catch (StoreException ex) {
        LOG.warn("event=addresses_record_failed object={} error={}", e.getKey(), ex.getMessage());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    Watch w = watch;
    if (w != null) {
      w.close();
    }
    statusWriter.shutdownNow();
    if (rewatchThread != null) {
      rewatchThread.shutdownNow();
    }
  }
}
