package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code ChangeSet} turns a batch of service changes (each from the service's state before the batch
 * to its state after, as the registry reported them) into per-type resource names: an endpoints-only
 * change touches EDS alone (and the clusters of DNS services, whose endpoints live in the cluster, and
 * of services whose mTLS policy for proxyless clients changed); anything else touches clusters,
 * listeners and routes too. Stateless.
 */
final class ChangeSet {
  private ChangeSet() {}

  static PushRequest compute(Collection<ServiceChange> changes, boolean nameTable, long startNanos) {
    Map<String, Set<String>> changed = new HashMap<>();
    Set<String> touchedIps = new HashSet<>();
    boolean shapes = false;
    for (ServiceChange change : changes) {
      Service old = change.previous();
      Service now = change.next();
      boolean endpointsChanged = change.endpointsChanged();
      boolean shapeChanged = change.shapeChanged();
      boolean tlsChanged = !shapeChanged && !ClusterTls.Policy.of(old).equals(ClusterTls.Policy.of(now));
      boolean dnsClusters = isDns(old) || isDns(now);
      for (Service s : change.states()) {
        for (ServicePort p : s.ports()) {
          String cluster = s.cluster(p.number()).name();
          add(changed, TypeUrls.ENDPOINT, cluster);
          if (shapeChanged || tlsChanged || dnsClusters && endpointsChanged) {
            add(changed, TypeUrls.CLUSTER, cluster);
          }
          if (shapeChanged) {
            String hostPort = s.hostname() + ":" + p.number();
            add(changed, TypeUrls.LISTENER, hostPort);
            add(changed, TypeUrls.ROUTE, hostPort);
          }
        }
      }
      shapes |= shapeChanged;
      touchedIps.addAll(change.touchedAddresses());
    }
    if (nameTable || shapes) {
      add(changed, TypeUrls.NAME_TABLE, NameTableGenerator.NAME);
    }
    return new PushRequest(false, changed, shapes, touchedIps, startNanos);
  }

  private static void add(Map<String, Set<String>> m, String type, String name) {
    m.computeIfAbsent(type, t -> new HashSet<>()).add(name);
  }

  private static boolean isDns(Service s) {
    return s != null && s.resolution().isDns();
  }
}
