package dev.vmesh.controlplane.autoregistration;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code Registrations} remembers, for {@code /debug/syncz} and {@code vmesh proxy-status}, what
 * registration came to for each open connection that asked for one: its entry, or why it has none. (A
 * refusal that closed the stream is on {@code /debug/refusedz}, with the status the proxy got.) Guarded
 * by this object's lock, held only briefly.
 */
public final class Registrations {
  /** What registration came to for one connection. */
  public record State(Kind kind, String workloadEntry, String reason, Instant at) {}

  /** The kinds of state. */
  public enum Kind {
    /** The connection's entry exists: auto-registered, or a manual entry it is health-checked under. */
    REGISTERED,
    /** No entry (the group is missing, auto-registration is off, no address...): {@code reason} says why. */
    REFUSED;

    /** As shown in syncz. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Clock clock;
  private final Map<String, State> byConnection = new HashMap<>();

  Registrations(Clock clock) {
    this.clock = clock;
  }

  synchronized void registered(String connectionId, String entryName) {
    byConnection.put(connectionId, new State(Kind.REGISTERED, entryName, "", clock.instant()));
  }

  /** A refusal that leaves the stream open. */
  synchronized void refused(String connectionId, String reason) {
    byConnection.put(connectionId, new State(Kind.REFUSED, "", reason, clock.instant()));
  }

  synchronized void forget(String connectionId) {
    byConnection.remove(connectionId);
  }

  /** What registration came to for {@code connectionId}, if it asked for any. */
  public synchronized Optional<State> of(String connectionId) {
    return Optional.ofNullable(byConnection.get(connectionId));
  }
}
