package dev.vmesh.xds;

import dev.vmesh.registry.ClusterNames;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceKey;
import dev.vmesh.api.ServicePort;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ChangeSet} turns a batch of changed services into per-type resource names by comparing each
 * service with the version last pushed: an endpoints-only change touches EDS alone (and the clusters of
 * DNS services, whose endpoints live in the cluster, and of services whose mTLS policy for proxyless
 * clients changed); anything else touches clusters, listeners and routes too. Confined to the push
 * thread.
 */
final class ChangeSet {
  private final Map<ServiceKey, Service> lastPushed = new HashMap<>();

  PushRequest compute(Registry registry, Set<ServiceKey> keys, boolean nameTable, long startNanos) {
    Map<String, Set<String>> changed = new HashMap<>();
    Set<String> touchedIps = new HashSet<>();
    boolean shapes = false;
    for (ServiceKey key : keys) {
      Service old = lastPushed.get(key);
      Service now = registry.service(key).orElse(null);
      if (now == null) {
        lastPushed.remove(key);
      } else {
        lastPushed.put(key, now);
      }
      boolean endpointsChanged = old == null || now == null || !old.endpoints().equals(now.endpoints());
      boolean shapeChanged = old == null || now == null || !withoutEndpoints(old).equals(withoutEndpoints(now));
      boolean tlsChanged = !shapeChanged && !ClusterTls.Policy.of(old).equals(ClusterTls.Policy.of(now));
      boolean dnsClusters = isDns(old) || isDns(now);
      for (Service s : java.util.Arrays.asList(old, now)) {
        if (s == null) {
          continue;
        }
        for (ServicePort p : s.ports()) {
          String cluster = ClusterNames.outbound(p.number(), "", s.hostname());
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
      if (endpointsChanged) {
        Set<String> before = ips(old);
        Set<String> after = ips(now);
        for (String ip : before) {
          if (!after.contains(ip)) {
            touchedIps.add(ip);
          }
        }
        for (String ip : after) {
          if (!before.contains(ip)) {
            touchedIps.add(ip);
          }
        }
      }
    }
    if (nameTable || shapes) {
      add(changed, TypeUrls.NAME_TABLE, NameTableGenerator.NAME);
    }
    return new PushRequest(false, changed, shapes, touchedIps, startNanos);
  }

  /** Forgets what was pushed and remembers the registry as it is now (for a full push). */
  void reset(Registry registry) {
    lastPushed.clear();
    for (Service s : registry.services()) {
      lastPushed.put(s.key(), s);
    }
  }

  private static void add(Map<String, Set<String>> m, String type, String name) {
    m.computeIfAbsent(type, t -> new HashSet<>()).add(name);
  }

  private static boolean isDns(Service s) {
    return s != null && s.resolution().isDns();
  }

  private static Service withoutEndpoints(Service s) {
    return new Service(s.hostname(), s.namespace(), s.addresses(), s.autoAllocated(), s.resolution(), s.location(),
        s.ports(), s.exportTo(), s.subjectAltNames(), List.of(), s.serviceEntries());
  }

  private static Set<String> ips(Service s) {
    Set<String> out = new HashSet<>();
    if (s != null) {
      for (Endpoint e : s.endpoints()) {
        out.add(e.address());
      }
    }
    return out;
  }
}
