package dev.vmesh.http;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ConnectionTable} decides which connections an HTTP port keeps: at most
 * {@link HttpLimits#maxConnections()} in all and {@link HttpLimits#maxConnectionsPerClient()} per client
 * address. When the port is full, a new connection takes the place of a displaceable one (idle, or still
 * sending its headers: the state a slowloris client keeps its connections in), taken from the client that
 * holds the most connections, oldest first; only when every connection is busy serving a request is the
 * new one refused. Guarded by its own lock; connections of every event loop go through it.
 */
final class ConnectionTable {
  /** One open connection; {@code displaceable} changes as it moves between requests. */
  static final class Entry {
    final InetAddress client;
    final Runnable close;
    volatile boolean displaceable = true;

    Entry(InetAddress client, Runnable close) {
      this.client = client;
      this.close = close;
    }
  }

  /** What became of a new connection: admitted (possibly displacing {@code displaced}) or refused. */
  record Admission(boolean admitted, Entry displaced, String refusal) {}

  static final String FULL = "capacity";
  static final String CLIENT_FULL = "client_capacity";

  private final int max;
  private final int maxPerClient;
  private final Map<InetAddress, Deque<Entry>> byClient = new HashMap<>();
  private int open;

  ConnectionTable(HttpLimits limits) {
    this.max = limits.maxConnections();
    this.maxPerClient = limits.maxConnectionsPerClient();
  }

  synchronized Admission admit(Entry e) {
    Deque<Entry> mine = byClient.get(e.client);
    if (mine != null && mine.size() >= maxPerClient) {
      return new Admission(false, null, CLIENT_FULL);
    }
    Entry displaced = null;
    if (open >= max) {
      displaced = victim();
      if (displaced == null) {
        return new Admission(false, null, FULL);
      }
      remove(displaced);
    }
    byClient.computeIfAbsent(e.client, c -> new ArrayDeque<>()).addLast(e);
    open++;
    return new Admission(true, displaced, null);
  }

  /** Forgets {@code e}; a connection already displaced is not counted twice. */
  synchronized void remove(Entry e) {
    Deque<Entry> list = byClient.get(e.client);
    if (list != null && list.remove(e)) {
      open--;
      if (list.isEmpty()) {
        byClient.remove(e.client);
      }
    }
  }

  synchronized int open() {
    return open;
  }

  private Entry victim() {
    return byClient.values().stream()
        .sorted(Comparator.comparingInt((Deque<Entry> d) -> d.size()).reversed())
        .flatMap(d -> d.stream().filter(x -> x.displaceable).limit(1))
        .findFirst().orElse(null);
  }
}
