package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.Condition;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code HealthWriter} turns an agent's health report into the entry's {@code Healthy} condition:
 * written only by the replica that controls the entry, never over a newer report, with optimistic
 * concurrency.
 */
final class HealthWriter {
  private static final Logger LOG = LoggerFactory.getLogger(HealthWriter.class);
  private final ConfigStore store;
  private final AutoRegistrationOptions options;
  private final Clock clock;

  HealthWriter(ConfigStore store, AutoRegistrationOptions options, Clock clock) {
    this.store = store;
    this.options = options;
    this.clock = clock;
  }

  void report(ResourceKey entry, boolean healthy, String message) {
    Instant now = clock.instant();
    try {
      Entries.update(store, entry, Entries.Write.STATUS, we -> {
        if (!options.controllerName().equals(we.metadata().annotations().get(WellKnown.WORKLOAD_CONTROLLER))) {
          return Optional.empty(); // another replica owns this entry's connection
        }
        Optional<Condition> current = we.status().condition(Condition.HEALTHY);
        if (current.isPresent() && current.get().lastProbeTime() != null
            && current.get().lastProbeTime().isAfter(now)) {
          return Optional.empty();
        }
        List<Condition> conditions = new ArrayList<>(we.status().conditions());
        conditions.removeIf(c -> c.type().equals(Condition.HEALTHY));
        conditions.add(new Condition(Condition.HEALTHY, healthy ? "True" : "False", now, now, "",
            healthy ? "" : message, 0));
        return Optional.of(we.withStatus(we.status().withConditions(conditions)));
      }).ifPresent(r -> LOG.info("event=workload_health entry={} healthy={}{}", entry, healthy,
          healthy ? "" : " message=\"" + message + "\""));
    } catch (StoreException e) {
      LOG.warn("event=health_not_recorded entry={} error={}", entry, e.getMessage());
    }
  }
}
