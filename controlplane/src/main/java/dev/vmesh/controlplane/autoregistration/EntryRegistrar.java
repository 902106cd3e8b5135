package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.store.ConfigStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code EntryRegistrar} does the store writes of one connection's registration: creating the entry
 * from its group, or marking it connected (and, for an auto-registered entry, refreshing it from the
 * group and the proxy). It touches only entries auto-registration made for the proxy's group; a
 * manually created entry of the same name is left alone and the proxy refused. Callers hold the
 * entry's lock.
 */
final class EntryRegistrar {
  private static final Logger LOG = LoggerFactory.getLogger(EntryRegistrar.class);

  /** What a registration attempt came to: the stored version, or why there is no entry. */
  record Outcome(String resourceVersion, Refusal refusal) {
    static Outcome stored(String rv) {
      return new Outcome(rv, null);
    }

    static Outcome refused(Refusal r) {
      return new Outcome(null, r);
    }
  }

  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final AutoRegistrationMetrics metrics;

  EntryRegistrar(ConfigStore store, AutoRegistrationOptions options, AutoRegistrationMetrics metrics) {
    this.store = store;
    this.options = options;
    this.metrics = metrics;
  }

  /** Creates or refreshes the entry of an auto-registering connection. */
  Outcome register(ConnectionTable.Tracked t) {
    String groupName = t.proxy().autoRegisterGroup();
    ResourceKey groupKey = new ResourceKey(Kind.WORKLOAD_GROUP, t.entry().namespace(), groupName);
    Optional<Resource> group = store.get(groupKey);
    Optional<Resource> existing = store.get(t.entry());
    if (existing.isPresent() && !GroupEntries.ownedBy(existing.get(), groupName)) {
      return Outcome.refused(new Refusal(Refusal.Reason.NAME_TAKEN, nameTaken(existing.get(), groupName)));
    }
    if (existing.isEmpty() && group.isEmpty()) {
      return Outcome.refused(new Refusal(Refusal.Reason.NO_GROUP, "no WorkloadGroup " + groupKey.namespacedName()
          + " yet; the proxy stays connected and is registered when the group appears"));
    }
    Resource desired = group.map(g -> GroupEntries.fromGroup(g, t.proxy())).orElse(existing.orElse(null));
    String problem = options.validateIdentity() ? GroupEntries.identityProblem(t.proxy(), desired, options.trustDomain())
        : null;
    if (problem != null) {
      return Outcome.refused(new Refusal(Refusal.Reason.IDENTITY, problem));
    }
    if (existing.isEmpty()) {
      Resource created = store.create(connected(desired, t.connectedAt()));
      metrics.registrations.inc();
      LOG.info("event=workload_entry_registered entry={} group={} address={}", t.entry(), groupName, t.proxy().ip());
      return Outcome.stored(created.resourceVersion());
    }
    return Outcome.stored(markConnected(t).map(Resource::resourceVersion).orElse(null));
  }

  private static String nameTaken(Resource existing, String groupName) {
    String other = existing.metadata().annotations().get(WellKnown.AUTO_REGISTRATION_GROUP);
    return "WorkloadEntry " + existing.key().namespacedName() + " exists and was "
        + (other == null ? "not created by auto-registration" : "not created by auto-registration for group "
            + groupName + " (it names " + other + ")")
        + "; auto-registration never takes over an entry it did not create: delete or rename that entry, or give "
        + "this VM another address or network";
  }

  /**
   * Records the connection on the entry, unless a newer connect or disconnect is already recorded; an
   * auto-registered entry is also refreshed from its group and the proxy. An auto-registering proxy
   * never marks an entry its group does not own (one may have replaced its entry meanwhile).
   */
  Optional<Resource> markConnected(ConnectionTable.Tracked t) {
    Optional<Resource> group = t.auto() ? store.get(new ResourceKey(Kind.WORKLOAD_GROUP, t.entry().namespace(),
        t.proxy().autoRegisterGroup())) : Optional.empty();
    return Entries.update(store, t.entry(), Entries.Write.SPEC, we -> {
      if (t.auto() && !GroupEntries.ownedBy(we, t.proxy().autoRegisterGroup())) {
        return Optional.empty();
      }
      Instant connectedAt = Entries.time(we, WellKnown.CONNECTED_AT);
      Instant disconnectedAt = Entries.time(we, WellKnown.DISCONNECTED_AT);
      if (disconnectedAt != null && t.connectedAt().isBefore(disconnectedAt)
          || connectedAt != null && t.connectedAt().isBefore(connectedAt)) {
        return Optional.empty(); // a newer event already decided this entry
      }
      Resource base = group.map(g -> {
        Resource fresh = GroupEntries.fromGroup(g, t.proxy());
        return we.withSpec(fresh.spec()).withMetadata(we.metadata().withLabels(fresh.metadata().labels())
            .withAnnotations(merge(we.metadata().annotations(), fresh.metadata().annotations()))
            .withOwnerReferences(fresh.metadata().ownerReferences()));
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
}
