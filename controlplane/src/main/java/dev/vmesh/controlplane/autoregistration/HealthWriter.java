package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code HealthWriter} turns an agent's health report into the entry's {@code Healthy} condition:
 * written only by the replica that controls the entry, never over a newer report, with optimistic
 * concurrency. A change of state counts in {@code vmesh_workload_health_transitions_total}.
 */
final class HealthWriter {
  private static final Logger LOG = LoggerFactory.getLogger(HealthWriter.class);
  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final Clock clock;
  private final AutoRegistrationMetrics metrics;

  HealthWriter(ConfigStore store, AutoRegistrationOptions options, Clock clock, AutoRegistrationMetrics metrics) {
    this.store = store;
    this.options = options;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Writes the report to {@code entry} if this replica controls it and {@code mayWrite} accepts it. */
  void report(ResourceKey entry, boolean healthy, String message, Predicate<Resource> mayWrite) {
    Instant now = clock.instant();
    boolean[] changed = {false};
    try {
      Entries.update(store, entry, Entries.Write.STATUS, we -> {
        if (!options.controllerName().equals(we.metadata().annotations().get(WellKnown.WORKLOAD_CONTROLLER))
            || !mayWrite.test(we)) {
          return Optional.empty(); // another replica owns this entry's connection, or it is not this proxy's
        }
        Optional<Condition> current = we.status().condition(Condition.HEALTHY);
        if (current.isPresent() && current.get().lastProbeTime() != null
            && current.get().lastProbeTime().isAfter(now)) {
          return Optional.empty();
        }
        changed[0] = current.isEmpty() || !current.get().status().equals(healthy ? "True" : "False");
        List<Condition> conditions = new ArrayList<>(we.status().conditions());
        conditions.removeIf(c -> c.type().equals(Condition.HEALTHY));
        conditions.add(new Condition(Condition.HEALTHY, healthy ? "True" : "False", now, now, "",
            healthy ? "" : message, 0));
        return Optional.of(we.withStatus(we.status().withConditions(conditions)));
      }).ifPresent(r -> {
        if (changed[0]) {
          metrics.healthTransitions.labelValues(Boolean.toString(healthy)).inc();
        }
        LOG.info("event=workload_health entry={} healthy={} transition={}{}", entry, healthy, changed[0],
            healthy ? "" : " message=\"" + message.replace('"', '\'') + "\"");
      });
    } catch (StoreException e) {
      LOG.warn("event=health_not_recorded entry={} error={}", entry, e.getMessage());
    }
  }
}
