package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.time.Timer;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.WatchEvent;
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
 * entries, and re-creating it registers the connected proxies again. It only ever touches entries it
 * created ({@link GroupEntries#ownedBy}), and every refusal to register is logged, counted and shown
 * ({@link Refusal}, {@link Registrations}).
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
  private final EntryRegistrar registrar;
  private final AutoRegistrationMetrics metrics;
  private final Registrations registrations;
  private final Consumer<String> awaitRegistry;
  static final int ENTRY_LOCKS = 256;

  private final Map<String, Tracked> connections = new LinkedHashMap<>();
  private final Map<ResourceKey, Set<String>> byEntry = new HashMap<>();
  private final ReentrantLock[] entryLocks = new ReentrantLock[ENTRY_LOCKS];
  private final GroupWatch groups;

  /**
   * {@code awaitRegistry} blocks until the registry has seen a store version, so a proxy's first push
   * already contains its own new entry (istio/istio#28743).
   */
  public AutoRegistrationController(ConfigStore store, AutoRegistrationOptions options, Clock clock, Timer timer,
      Consumer<String> awaitRegistry) {
    this(store, options, clock, timer, awaitRegistry, AutoRegistrationMetrics.unregistered());
  }

  /** As above, counting registrations, refusals and health transitions in {@code metrics}. */
  public AutoRegistrationController(ConfigStore store, AutoRegistrationOptions options, Clock clock, Timer timer,
      Consumer<String> awaitRegistry, AutoRegistrationMetrics metrics) {
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.awaitRegistry = awaitRegistry;
    this.metrics = metrics;
    this.cleaner = new EntryCleaner(store, options, clock, timer);
    this.health = new HealthWriter(store, options, clock, metrics);
    this.registrar = new EntryRegistrar(store, options, metrics);
    this.registrations = new Registrations(clock);
    this.groups = new GroupWatch(store, timer, this::applyGroupEvent);
    for (int i = 0; i < entryLocks.length; i++) {
      entryLocks[i] = new ReentrantLock();
    }
  }

  private ReentrantLock lockOf(ResourceKey entry) {
    return entryLocks[Math.floorMod(entry.hashCode(), entryLocks.length)];
  }

  /** Starts following WorkloadGroups (late registration, updates, deletion) and the periodic sweep. */
  public void start() {
    groups.start();
    cleaner.start();
  }

  @Override
  public void onConnect(Proxy proxy, String connectionId) {
    Instant now = clock.instant();
    String rv = null;
    if (options.autoRegistration() && !proxy.autoRegisterGroup().isEmpty()) {
      if (!dev.vmesh.api.validation.Names.isObjectName(proxy.autoRegisterGroup())) {
        refuse(proxy, connectionId, null, new Refusal(Refusal.Reason.INVALID_GROUP, "AUTO_REGISTER_GROUP \""
            + Proxy.quoted(proxy.autoRegisterGroup()) + "\" is not a WorkloadGroup name (lower-case letters, digits, "
            + "'-' and '.', at most 253); set ISTIO_META_AUTO_REGISTER_GROUP to the group's name"), true);
        return;
      }
      String badAddress = GroupEntries.addressProblem(proxy);
      if (badAddress != null) {
        refuse(proxy, connectionId, null, new Refusal(Refusal.Reason.INVALID_ADDRESS, badAddress), true);
        return;
      }
      String name = GroupEntries.entryName(proxy.autoRegisterGroup(), proxy.ip(), proxy.network(), proxy.namespace());
      if (name.isEmpty()) {
        refuse(proxy, connectionId, null, new Refusal(Refusal.Reason.NO_ADDRESS, "the node has no IP address "
            + "(INSTANCE_IPS, or the IP in its id type~IP~name.namespace~domain); set INSTANCE_IP in the VM's "
            + "cluster.env"), true);
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
        registrations.registered(connectionId, key.name());
      } finally {
        lock.unlock();
      }
    } else if (!proxy.autoRegisterGroup().isEmpty()) {
      refuse(proxy, connectionId, null, new Refusal(Refusal.Reason.DISABLED, "auto-registration is switched off on this server; "
          + "create the WorkloadEntry yourself and name it in WORKLOAD_ENTRY"), true);
    }
    if (rv != null) {
      awaitRegistry.accept(rv);
    }
  }

  /**
   * Creates or refreshes the entry of an auto-registering connection; returns the stored version, or
   * null when there is none. A refusal is logged and counted; at connect one that ends the stream is
   * thrown as the status the stream closes with.
   */
  private String register(Tracked t, boolean atConnect) {
    EntryRegistrar.Outcome outcome;
    try {
      outcome = registrar.register(t);
    } catch (StoreException e) {
      outcome = EntryRegistrar.Outcome.refused(new Refusal(Refusal.Reason.STORE_ERROR, "the store did not take "
          + t.entry() + ": " + e.getMessage()));
    }
    if (outcome.refusal() != null) {
      refuse(t.proxy(), t.connectionId(), t.entry(), outcome.refusal(), atConnect);
    } else {
      registrations.registered(t.connectionId(), t.entry().name());
    }
    return outcome.resourceVersion();
  }

  /**
   * Makes a refusal visible: one log line with the reason, the counter, and (at connect, for refusals
   * that end the stream) the status the stream is closed with, which the agent logs and shows.
   */
  private void refuse(Proxy proxy, String connectionId, ResourceKey entry, Refusal refusal, boolean atConnect) {
    metrics.refusals.labelValues(refusal.reason().label).inc();
    boolean ends = atConnect && refusal.endsStream();
    String reason = refusal.reason().label + ": " + refusal.detail();
    if (!ends) {
      registrations.refused(connectionId, reason); // a closed stream's refusal is on /debug/refusedz
    }
    LOG.warn("event=autoregistration_refused proxy={} group={} entry={} reason={} stream={} detail=\"{}\"", proxy.id(),
        Proxy.quoted(proxy.autoRegisterGroup()), entry == null ? "" : entry, refusal.reason().label,
        ends ? "closed" : "open", refusal.detail().replace('"', '\''));
    if (ends) {
      throw refusal.status().asRuntimeException();
    }
  }

  private Optional<Resource> markConnected(Tracked t) {
    return registrar.markConnected(t);
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
    registrations.forget(connectionId);
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
          if (t.auto() && !GroupEntries.ownedBy(we, t.proxy().autoRegisterGroup())
              || connectedAt != null && connectedAt.isAfter(t.connectedAt())
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
    boolean auto = !proxy.autoRegisterGroup().isEmpty() && options.autoRegistration();
    health.report(new ResourceKey(Kind.WORKLOAD_ENTRY, proxy.namespace(), name), !request.hasErrorDetail(),
        request.getErrorDetail().getMessage(), we -> !auto || GroupEntries.ownedBy(we, proxy.autoRegisterGroup()));
  }

  /** The resourceVersion of the last WorkloadGroup event handled (tests wait on it). */
  public String lastGroupEvent() {
    return groups.lastEvent();
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
            } else {
              refuse(t.proxy(), t.connectionId(), t.entry(), new Refusal(Refusal.Reason.IDENTITY, problem), false);
              if (store.get(t.entry()).filter(we -> GroupEntries.ownedBy(we, group.name())).isPresent()) {
                cleaner.deleteNow(t.entry(), group.name()); // the group now demands an identity this VM lacks
              }
            }
          } catch (StoreException ex) {
            LOG.warn("event=group_update_not_applied entry={} error={}", t.entry(), ex.getMessage());
          } finally {
            lock.unlock();
          }
        }
      }
      case DELETED -> {
        cleaner.deleteOwnedBy(group);
        for (Tracked t : ofGroup) {
          registrations.refused(t.connectionId(), Refusal.Reason.NO_GROUP.label + ": WorkloadGroup "
              + group.key().namespacedName() + " was deleted, and its entries with it; the proxy is registered again "
              + "if the group comes back");
        }
      }
      default -> { }
    }
  }

  /** The counters (for tests). */
  AutoRegistrationMetrics metrics() {
    return metrics;
  }

  /** What registration came to for each open connection that asked for it (debug pages). */
  public Registrations registrations() {
    return registrations;
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

  /**
   * Tells the cleanup that VMs can reach this server from {@code at} on (its xDS port listens): entries
   * disconnected before get their grace period from then, not from their disconnect, so a restarted
   * server's VMs are not swept away before they could reconnect. Until called, the controller's
   * construction time counts.
   */
  public void servingSince(Instant at) {
    cleaner.servingSince(at);
  }

  /** Runs the periodic sweep now (also scheduled every ten grace periods). */
  public void sweep() {
    cleaner.sweep();
  }

  @Override
  public void close() {
    groups.close();
    cleaner.close();
  }
}
