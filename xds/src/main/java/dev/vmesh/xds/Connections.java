package dev.vmesh.xds;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code Connections} holds the open ADS streams by id: a connection adds itself once its proxy is
 * accepted and removes itself when the stream ends; the push loop, {@code /debug/syncz} and shutdown
 * go over them. Thread-safe.
 */
final class Connections {
  private final ConcurrentHashMap<String, Connection> byId = new ConcurrentHashMap<>();

  void add(String id, Connection c) {
    byId.put(id, c);
  }

  /** Removes {@code c} if it is still the connection under {@code id}; returns whether it was. */
  boolean remove(String id, Connection c) {
    return byId.remove(id, c);
  }

  /** The open connection {@code id}, or null. */
  Connection get(String id) {
    return byId.get(id);
  }

  /** A weakly consistent view: connections opened or closed meanwhile may or may not be seen. */
  Collection<Connection> all() {
    return byId.values();
  }

  int size() {
    return byId.size();
  }
}
