package dev.vmesh.xds;

import dev.vmesh.registry.ServiceChange;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code ChangeSet} turns a batch of service changes (each from the service's state before the batch
 * to its state after, as the registry reported them) into a {@link PushRequest}: it gathers the
 * type-agnostic facts (did any service change more than its endpoints, which workload IPs came or
 * went) and asks every resource type which of its names the changes touch. It knows no type's rules.
 */
final class ChangeSet {
  private ChangeSet() {}

  static PushRequest compute(ResourceTypes types, Collection<ServiceChange> changes, boolean nameTable,
      long startNanos) {
    boolean shapes = false;
    Set<String> touchedIps = new HashSet<>();
    for (ServiceChange change : changes) {
      shapes |= change.shapeChanged();
      touchedIps.addAll(change.touchedAddresses());
    }
    Map<ResourceType, Set<String>> changed = new HashMap<>();
    for (ResourceType type : types.all()) {
      Set<String> names = new HashSet<>();
      for (ServiceChange change : changes) {
        type.touchedBy(change, names);
      }
      if (nameTable) {
        type.touchedByNameTable(names);
      }
      if (!names.isEmpty()) {
        changed.put(type, names);
      }
    }
    return new PushRequest(false, changed, shapes, touchedIps, startNanos);
  }
}
