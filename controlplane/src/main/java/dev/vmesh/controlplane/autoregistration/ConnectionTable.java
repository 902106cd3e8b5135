package dev.vmesh.controlplane.autoregistration;

import dev.vmesh.api.ResourceKey;
import dev.vmesh.xds.Proxy;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code ConnectionTable} is the set of connections this replica tracks for auto-registration and
 * health, by connection and by entry, with the locking rule for both: what happens to one entry
 * (connect, disconnect, group update) runs under that entry's lock ({@link #lockOf}, one of
 * {@value #ENTRY_LOCKS} striped locks), store writes included, so a VM's reconnect and its old
 * connection's disconnect never interleave while other entries go on in parallel. The table itself is
 * guarded by its own lock, held only inside its methods and never across the store.
 */
final class ConnectionTable {
  static final int ENTRY_LOCKS = 256;

  /** One connection this replica tracks. */
  record Tracked(String connectionId, Proxy proxy, ResourceKey entry, boolean auto, Instant connectedAt) {}

  private final Map<String, Tracked> connections = new LinkedHashMap<>();
  private final Map<ResourceKey, Set<String>> byEntry = new HashMap<>();
  private final ReentrantLock[] entryLocks = new ReentrantLock[ENTRY_LOCKS];

  ConnectionTable() {
    for (int i = 0; i < entryLocks.length; i++) {
      entryLocks[i] = new ReentrantLock();
    }
  }

  /** The lock of {@code entry}'s changes. */
  ReentrantLock lockOf(ResourceKey entry) {
    return entryLocks[Math.floorMod(entry.hashCode(), entryLocks.length)];
  }

  synchronized void track(Tracked t) {
    connections.put(t.connectionId(), t);
    byEntry.computeIfAbsent(t.entry(), k -> new HashSet<>()).add(t.connectionId());
  }

  /** Forgets a connection; true if it was the entry's last one here. */
  synchronized boolean untrack(Tracked t) {
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

  /** Whether {@code t} is still tracked (not disconnected or replaced meanwhile). */
  synchronized boolean tracked(Tracked t) {
    return connections.get(t.connectionId()) == t;
  }

  /** The connection with this id, or null. */
  synchronized Tracked get(String connectionId) {
    return connections.get(connectionId);
  }

  /** The auto-registering connections of the WorkloadGroup {@code namespace/group}. */
  synchronized List<Tracked> ofGroup(String namespace, String group) {
    return connections.values().stream().filter(t -> t.auto() && t.entry().namespace().equals(namespace)
        && t.proxy().autoRegisterGroup().equals(group)).toList();
  }

  /** A copy of the table, by connection id. */
  synchronized Map<String, Tracked> snapshot() {
    return Map.copyOf(connections);
  }
}
