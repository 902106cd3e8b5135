package dev.vmesh.xds;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * {@code RefusedStreams} keeps the last {@value #CAPACITY} ADS streams the server ended with an error
 * (a malformed first request, a type it does not serve, a proxy a hook refused), with the reason, for
 * {@code /debug/refusedz} and {@code vmesh proxy-status}. Guarded by its own lock; writes come from
 * the connections' executors, reads from the HTTP server.
 */
final class RefusedStreams {
  /** How many refusals are kept (the oldest goes first). */
  static final int CAPACITY = 100;

  private final Deque<RefusedStream> recent = new ArrayDeque<>(CAPACITY);

  synchronized void add(RefusedStream r) {
    if (recent.size() == CAPACITY) {
      recent.removeLast();
    }
    recent.addFirst(r);
  }

  /** Most recent first. */
  synchronized List<RefusedStream> list() {
    return List.copyOf(recent);
  }
}
