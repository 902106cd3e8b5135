package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.time.Timer;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchListener;
import dev.vmesh.store.WatchOptions;
import dev.vmesh.xds.Proxy;
import dev.vmesh.xds.XdsCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code AutoRegistrationController} turns xDS connections into WorkloadEntries, as istiod does for
 * VMs: a proxy naming a WorkloadGroup ({@code AUTO_REGISTER_GROUP}) gets an entry built from the group
 * when it connects, after proving the entry's namespace and service account; the entry is marked
 * connected (this replica as its controller), marked disconnected when the last connection ends, and
 * removed after the grace period by {@link EntryCleaner}. A proxy naming an existing entry
 * ({@code WORKLOAD_ENTRY}) with health checks enabled is tracked the same way without being created.
 * Health reports become the entry's {@code Healthy} condition ({@link HealthWriter}).
 *
 * <p>Where vmesh does better than istiod (docs/compatibility.md): a proxy whose group does not exist yet
 * stays connected and is registered the moment the group appears; a reconnect refreshes the whole entry
 * from the group and the proxy, not just timestamps; a group update is applied to the entries this
 * replica controls (and an entry whose identity no longer fits is removed); deleting a group deletes its
 * entries, and re-creating it registers the connected proxies again.
 *
 * <p>Connections of different entries are handled in parallel: what happens to one entry (connect,
 * disconnect, group update) runs under that entry's lock (one of {@value #ENTRY_LOCKS} striped locks),
 * store writes included, so a VM's reconnect and its old connection's disconnect never interleave,
 * while another VM's write can join the same group commit in the store. The table of connections is
 * guarded by this object's lock, held only briefly and never across the store. Store writes use
 * optimistic concurrency, because another replica may be writing the same entry.
 */
public final class AutoRegistrationController implements XdsCallbacks, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AutoRegistrationController.class);

  /** One connection this replica tracks. */
  record Tracked(String connectionId, Proxy proxy, ResourceKey entry, boolean auto, Instant connectedAt) {}

  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final Clock clock;
  private final EntryCleaner cleaner;
  private final HealthWriter health;
  private final Consumer<String> awaitRegistry;
  private final Timer timer;
  static final int ENTRY_LOCKS = 256;

  private final Map<String, Tracked> connections = new LinkedHashMap<>();
  private final Map<ResourceKey, Set<String>> byEntry = new HashMap<>();
  private final ReentrantLock[] entryLocks = new ReentrantLock[ENTRY_LOCKS];
  private volatile Watch groups;
  private volatile boolean closed;
  private volatile String lastGroupEvent = "";

  /**
   * {@code awaitRegistry} blocks until the registry has seen a store version, so a proxy's first push
   * already contains its own new entry (istio/istio#28743).
   */
  public AutoRegistrationController(ConfigStore store, AutoRegistrationOptions options, Clock clock, Timer timer,
      Consumer<String> awaitRegistry) {
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.awaitRegistry = awaitRegistry;
    this.timer = timer;
    this.cleaner = new EntryCleaner(store, options, clock, timer);
    this.health = new HealthWriter(store, options, clock);
    for (int i = 0; i < entryLocks.length; i++) {
      entryLocks[i] = new ReentrantLock();
    }
  }

  private ReentrantLock lockOf(ResourceKey entry) {
    return entryLocks[Math.floorMod(entry.hashCode(), entryLocks.length)];
  }

  /** Starts following WorkloadGroups (late registration, updates, deletion) and the periodic sweep. */
  public void start() {
    watchGroups();
    cleaner.start();
  }

  /**
   * Follows WorkloadGroups from their current state; a watch the store ends because its history is gone
   * (Expired, e.g. a Kubernetes relist) is started again, retried while the store refuses. A store that
   * closes ends it for good.
   */
  private void watchGroups() {
    groups = store.watch(new WatchOptions(Set.of(Kind.WORKLOAD_GROUP), null, null), new WatchListener() {
      @Override
      public void onEvent(WatchEvent e) {
        onGroupEvent(e);
      }

      @Override
      public void onClose(StoreException cause) {
        if (closed || !(cause instanceof StoreException.Expired)) {
          return; // shutting down, or the store closed: nothing to watch again
        }
        LOG.warn("event=group_watch_lost error=\"{}\" action=watch_again", cause.getMessage());
        dev.vmesh.controlplane.Rewatch.start("workload groups", timer, () -> closed,
            AutoRegistrationController.this::watchGroups);
      }
    });
    if (closed) {
      groups.close(); // closed meanwhile
    }
  }

  @Override
  public void onConnect(Proxy proxy, String connectionId) {
    Instant now = clock.instant();
    String rv = null;
    if (options.autoRegistration() && !proxy.autoRegisterGroup().isEmpty()) {
      String name = GroupEntries.entryName(proxy.autoRegisterGroup(), proxy.ip(), proxy.network(), proxy.namespace());
      if (name.isEmpty()) {
        LOG.info("event=autoregistration_skipped proxy={} reason=\"no IP or namespace\"", proxy.id());
        return;
      }
      ResourceKey key = new ResourceKey(Kind.WORKLOAD_ENTRY, proxy.namespace(), name);
      Tracked t = new Tracked(connectionId, proxy, key, true, now);
      ReentrantLock lock = lockOf(key);
      lock.lock();
      try {
        track(t);
        rv = register(t, true);
      } catch (RuntimeException e) {
        untrack(t); // refused: the stream closes without a disconnect callback
        throw e;
      } finally {
        lock.unlock();
      }
    } else if (options.healthChecks() && !proxy.workloadEntry().isEmpty()) {
      ResourceKey key = new ResourceKey(Kind.WORKLOAD_ENTRY, proxy.namespace(), proxy.workloadEntry());
      ReentrantLock lock = lockOf(key);
      lock.lock();
      try {
        Resource we = store.get(key).orElseThrow(() -> Status.FAILED_PRECONDITION.withDescription(key
            + " named by WORKLOAD_ENTRY does not exist").asRuntimeException());
        if (!we.metadata().annotations().containsKey(WellKnown.HEALTH_CHECKS_ENABLED)) {
          return; // not health-checked: nothing to track
        }
        checkIdentity(proxy, we);
        Tracked t = new Tracked(connectionId, proxy, key, false, now);
        track(t);
        rv = markConnected(t).map(Resource::resourceVersion).orElse(null);
      } finally {
        lock.unlock();
      }
    }
    if (rv != null) {
      awaitRegistry.accept(rv);
    }
  }

  /** Creates or refreshes the entry of an auto-registering connection; returns the stored version. */
  private String register(Tracked t, boolean failOnIdentity) {
    ResourceKey groupKey = new ResourceKey(Kind.WORKLOAD_GROUP, t.entry().namespace(), t.proxy().autoRegisterGroup());
    Optional<Resource> group = store.get(groupKey);
    Optional<Resource> existing = store.get(t.entry());
    if (existing.isEmpty() && group.isEmpty()) {
      LOG.warn("event=autoregistration_pending proxy={} group={} reason=\"no such WorkloadGroup; registering when it "
          + "appears\"", t.proxy().id(), groupKey.namespacedName());
      return null;
    }
    Resource desired = group.map(g -> GroupEntries.fromGroup(g, t.proxy())).orElse(existing.orElse(null));
    String problem = options.validateIdentity() ? GroupEntries.identityProblem(t.proxy(), desired, options.trustDomain())
        : null;
    if (problem != null) {
      LOG.warn("event=autoregistration_refused proxy={} entry={} reason=\"{}\"", t.proxy().id(), t.entry(), problem);
      if (failOnIdentity) {
        throw Status.PERMISSION_DENIED.withDescription(problem).asRuntimeException();
      }
      return null;
    }
    if (existing.isEmpty()) {
      Resource created = store.create(connected(desired, t.connectedAt()));
      LOG.info("event=workload_entry_registered entry={} group={} address={}", t.entry(), groupKey.name(),
          t.proxy().ip());
      return created.resourceVersion();
    }
    return markConnected(t).map(Resource::resourceVersion).orElse(null);
  }

  /**
   * Records the connection on the entry, unless a newer connect or disconnect is already recorded; an
   * auto-registered entry is also refreshed from its group and the proxy.
   */
  private Optional<Resource> markConnected(Tracked t) {
    Optional<Resource> group = t.auto() ? store.get(new ResourceKey(Kind.WORKLOAD_GROUP, t.entry().namespace(),
        t.proxy().autoRegisterGroup())) : Optional.empty();
    return Entries.update(store, t.entry(), Entries.Write.SPEC, we -> {
      Instant connectedAt = Entries.time(we, WellKnown.CONNECTED_AT);
      Instant disconnectedAt = Entries.time(we, WellKnown.DISCONNECTED_AT);
      if (disconnectedAt != null && t.connectedAt().isBefore(disconnectedAt)
          || connectedAt != null && t.connectedAt().isBefore(connectedAt)) {
        return Optional.empty(); // a newer event already decided this entry
      }
      Resource base = group.map(g -> {
        Resource fresh = GroupEntries.fromGroup(g, t.proxy());
        return we.withSpec(fresh.spec()).withMetadata(we.metadata().withLabels(fresh.metadata().labels())
            .withAnnotations(merge(we.metadata().annotations(), fresh.metadata().annotations())));
      }).orElse(we);
      Resource next = connected(base, t.connectedAt());
      return next.equals(we) ? Optional.empty() : Optional.of(next);
    });
  }

  private static Map<String, String> merge(Map<String, String> current, Map<String, String> fromGroup) {
    Map<String, String> out = new HashMap<>(current);
    out.putAll(fromGroup);
    return out;
  }

  /** {@code r} with this replica as controller, connected at {@code at}, and no disconnect recorded. */
  private Resource connected(Resource r, Instant at) {
    Map<String, String> a = new HashMap<>(r.metadata().annotations());
    a.put(WellKnown.WORKLOAD_CONTROLLER, options.controllerName());
    a.put(WellKnown.CONNECTED_AT, Entries.time(at));
    a.remove(WellKnown.DISCONNECTED_AT);
    return r.withMetadata(r.metadata().withAnnotations(a));
  }

  private void checkIdentity(Proxy proxy, Resource entry) {
    String problem = options.validateIdentity() ? GroupEntries.identityProblem(proxy, entry, options.trustDomain())
        : null;
    if (problem != null) {
      throw Status.PERMISSION_DENIED.withDescription(problem).asRuntimeException();
    }
  }

  private synchronized void track(Tracked t) {
    connections.put(t.connectionId(), t);
    byEntry.computeIfAbsent(t.entry(), k -> new HashSet<>()).add(t.connectionId());
  }

  /** Forgets a connection; true if it was the entry's last one here. */
  private synchronized boolean untrack(Tracked t) {
    connections.remove(t.connectionId());
    Set<String> others = byEntry.get(t.entry());
    if (others == null) {
      return true;
    }
    others.remove(t.connectionId());
    if (others.isEmpty()) {
      byEntry.remove(t.entry());
      return true;
    }
    return false; // the proxy still has another connection here
  }

  private synchronized boolean tracked(Tracked t) {
    return connections.get(t.connectionId()) == t;
  }

  @Override
  public void onDisconnect(Proxy proxy, String connectionId) {
    Instant now = clock.instant();
    Tracked t;
    synchronized (this) {
      t = connections.get(connectionId);
    }
    if (t == null) {
      return;
    }
    ReentrantLock lock = lockOf(t.entry());
    lock.lock();
    try {
      if (!untrack(t)) {
        return; // the proxy still has another connection here
      }
      try {
        Optional<Resource> marked = Entries.update(store, t.entry(), Entries.Write.SPEC, we -> {
          Instant connectedAt = Entries.time(we, WellKnown.CONNECTED_AT);
          if (connectedAt != null && connectedAt.isAfter(t.connectedAt())
              || !options.controllerName().equals(we.metadata().annotations().get(WellKnown.WORKLOAD_CONTROLLER))
              || connectedAt != null && now.isBefore(connectedAt)) {
            return Optional.empty(); // reconnected meanwhile, maybe to another replica
          }
          Map<String, String> a = new HashMap<>(we.metadata().annotations());
          a.remove(WellKnown.CONNECTED_AT);
          a.put(WellKnown.DISCONNECTED_AT, Entries.time(now));
          return Optional.of(we.withMetadata(we.metadata().withAnnotations(a)));
        });
        if (marked.isPresent()) {
          LOG.info("event=workload_entry_disconnected entry={} cleanup_after={}", t.entry(), options.gracePeriod());
          cleaner.checkAfterGrace(t.entry());
        }
      } catch (StoreException e) {
        LOG.warn("event=disconnect_not_recorded entry={} error={}", t.entry(), e.getMessage());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void onHealthReport(Proxy proxy, DiscoveryRequest request) {
    if (!options.healthChecks()) {
      return;
    }
    String name = !proxy.autoRegisterGroup().isEmpty() && options.autoRegistration()
        ? GroupEntries.entryName(proxy.autoRegisterGroup(), proxy.ip(), proxy.network(), proxy.namespace())
        : proxy.workloadEntry();
    if (name.isEmpty()) {
      LOG.info("event=health_report_dropped proxy={} reason=\"no WorkloadEntry for this proxy\"", proxy.id());
      return;
    }
    health.report(new ResourceKey(Kind.WORKLOAD_ENTRY, proxy.namespace(), name), !request.hasErrorDetail(),
        request.getErrorDetail().getMessage());
  }

  private void onGroupEvent(WatchEvent e) {
    try {
      applyGroupEvent(e);
    } finally {
      lastGroupEvent = e.resourceVersion();
    }
  }

  /** The resourceVersion of the last WorkloadGroup event handled (tests wait on it). */
  public String lastGroupEvent() {
    return lastGroupEvent;
  }

  private void applyGroupEvent(WatchEvent e) {
    if (e.object() == null) {
      return;
    }
    Resource group = e.object();
    List<Tracked> ofGroup;
    synchronized (this) {
      ofGroup = connections.values().stream().filter(t -> t.auto()
          && t.entry().namespace().equals(group.namespace()) && t.proxy().autoRegisterGroup().equals(group.name()))
          .toList();
    }
    switch (e.type()) {
      case ADDED, MODIFIED -> {
        for (Tracked t : ofGroup) {
          ReentrantLock lock = lockOf(t.entry());
          lock.lock();
          try {
            if (!tracked(t)) {
              continue; // disconnected meanwhile: its disconnect decided
            }
            String problem = options.validateIdentity() ? GroupEntries.identityProblem(t.proxy(),
                GroupEntries.fromGroup(group, t.proxy()), options.trustDomain()) : null;
            if (problem == null) {
              register(t, false); // late registration, or the group's changes applied to the entry
            } else if (store.get(t.entry()).isPresent()) {
              LOG.warn("event=autoregistration_revoked entry={} reason=\"{}\"", t.entry(), problem);
              cleaner.deleteNow(t.entry()); // the group now demands an identity this VM does not have
            }
          } catch (StoreException ex) {
            LOG.warn("event=group_update_not_applied entry={} error={}", t.entry(), ex.getMessage());
          } finally {
            lock.unlock();
          }
        }
      }
      case DELETED -> cleaner.deleteOwnedBy(group);
      default -> { }
    }
  }

  /** The connections tracked here (for tests and debug pages). */
  public synchronized Map<String, Tracked> connections() {
    return Map.copyOf(connections);
  }

  /**
   * Runs the periodic sweep (which also removes what dead replicas left) only while {@code leading}
   * says so; every replica still cleans up after its own disconnects.
   */
  public void sweepOnlyWhen(java.util.function.BooleanSupplier leading) {
    cleaner.sweepOnlyWhen(leading);
  }

  /** Runs the periodic sweep now (also scheduled every ten grace periods). */
  public void sweep() {
    cleaner.sweep();
  }

  @Override
  public void close() {
    closed = true;
    Watch g = groups;
    if (g != null) {
      g.close();
    }
    cleaner.close();
  }
}
