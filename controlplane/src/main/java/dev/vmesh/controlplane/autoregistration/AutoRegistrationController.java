package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.time.Timer;
import dev.vmesh.api.validation.Names;
import dev.vmesh.controlplane.autoregistration.ConnectionTable.Tracked;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import dev.vmesh.xds.Proxy;
import dev.vmesh.xds.XdsCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
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
 * <p>Connections of different entries are handled in parallel: what happens to one entry runs under
 * that entry's lock in the {@link ConnectionTable}, store writes included, while another VM's write can
 * join the same group commit in the store; WorkloadGroup changes are applied by {@link GroupFollower}
 * under the same locks. Store writes use optimistic concurrency, because another replica may be
 * writing the same entry.
 */
public final class AutoRegistrationController implements XdsCallbacks, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AutoRegistrationController.class);

  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final Clock clock;
  private final EntryCleaner cleaner;
  private final HealthWriter health;
  private final EntryRegistrar registrar;
  private final AutoRegistrationMetrics metrics;
  private final Registrations registrations;
  private final Consumer<String> awaitRegistry;
  private final ConnectionTable table = new ConnectionTable();
  private final GroupFollower groups;

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
    this.groups = new GroupFollower(store, options, table, cleaner, registrations, new GroupFollower.Registering() {
      @Override
      public void register(Tracked t) {
        AutoRegistrationController.this.register(t, false);
      }

      @Override
      public void refuse(Tracked t, Refusal refusal) {
        AutoRegistrationController.this.refuse(t.proxy(), t.connectionId(), t.entry(), refusal, false);
      }
    }, timer);
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
      if (!Names.isObjectName(proxy.autoRegisterGroup())) {
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
      ReentrantLock lock = table.lockOf(key);
      lock.lock();
      try {
        table.track(t);
        rv = register(t, true);
      } catch (RuntimeException e) {
        table.untrack(t); // refused: the stream closes without a disconnect callback
        throw e;
      } finally {
        lock.unlock();
      }
    } else if (options.healthChecks() && !proxy.workloadEntry().isEmpty()) {
      ResourceKey key = new ResourceKey(Kind.WORKLOAD_ENTRY, proxy.namespace(), proxy.workloadEntry());
      ReentrantLock lock = table.lockOf(key);
      lock.lock();
      try {
        Resource we = store.get(key).orElseThrow(() -> Status.FAILED_PRECONDITION.withDescription(
            key.kind().kindName() + " " + key.namespace() + "/" + Proxy.quoted(key.name())
                + " named by WORKLOAD_ENTRY does not exist").asRuntimeException());
        if (!we.metadata().annotations().containsKey(WellKnown.HEALTH_CHECKS_ENABLED)) {
          return; // not health-checked: nothing to track
        }
        checkIdentity(proxy, we);
        Tracked t = new Tracked(connectionId, proxy, key, false, now);
        table.track(t);
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

  @Override
  public void onDisconnect(Proxy proxy, String connectionId) {
    Instant now = clock.instant();
    registrations.forget(connectionId);
    Tracked t = table.get(connectionId);
    if (t == null) {
      return;
    }
    ReentrantLock lock = table.lockOf(t.entry());
    lock.lock();
    try {
      if (!table.untrack(t)) {
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

  /** The counters (for tests). */
  AutoRegistrationMetrics metrics() {
    return metrics;
  }

  /** What registration came to for each open connection that asked for it (debug pages). */
  public Registrations registrations() {
    return registrations;
  }

  /** The connections tracked here (for tests and debug pages). */
  public Map<String, Tracked> connections() {
    return table.snapshot();
  }

  /**
   * Runs the periodic sweep (which also removes what dead replicas left) only while {@code leading}
   * says so; every replica still cleans up after its own disconnects.
   */
  public void sweepOnlyWhen(BooleanSupplier leading) {
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
