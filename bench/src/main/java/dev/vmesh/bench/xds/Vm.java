package dev.vmesh.bench.xds;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code Vm} is one synthetic VM of {@link Registrations}: its address and group, the times of its
 * current connection, and how many watchers have seen its endpoint appear and disappear. Watchers and
 * the VM's own stream update it from the event loop; the phase code sets the targets before it opens
 * or closes the stream, so an event can never arrive before its target.
 */
final class Vm {
  final int number;
  final String ip;
  final int group;
  /** Appearances of this VM's endpoint, over all watchers and the whole run. */
  final AtomicInteger seen = new AtomicInteger();
  /** Disappearances of this VM's endpoint, over all watchers and the whole run. */
  final AtomicInteger gone = new AtomicInteger();
  /** Responses seen holding this endpoint twice in one ClusterLoadAssignment. */
  final AtomicInteger duplicatesInOneResponse = new AtomicInteger();

  /** Where this VM's registration and convergence are counted. */
  volatile Step step;
  /** Where this VM's removal is counted. */
  volatile Step closeStep;
  /** How many times the harness expects this VM's endpoint to have appeared (and its entry created). */
  volatile int expectedAppearances;
  /** When the current connection was scheduled to open (the open-loop time; latencies count from here). */
  volatile long openNanos;
  volatile boolean registered;
  /** {@link #seen} reaching this means every watcher has the endpoint (again); 0 for "not expected". */
  volatile int seenTarget;
  volatile long closeNanos;
  /** {@link #gone} reaching this means every watcher lost the endpoint; 0 for "not expected". */
  volatile int goneTarget;
  volatile boolean converged;
  volatile boolean removed;
  /** The live stream, or null. */
  volatile SyntheticVms.Stream stream;

  Vm(int number, int groups) {
    this.number = number;
    this.ip = "10." + (number >> 16 & 255) + "." + (number >> 8 & 255) + "." + (number & 255);
    this.group = number % groups;
  }

  /** The entry name the server derives: {@code <group>-<ip>}. */
  String entryName() {
    return "g" + group + "-" + ip;
  }

  void onFirstResponse(long now) {
    if (!registered) {
      registered = true;
      step.registered(now - openNanos, now);
    }
  }

  void onStreamError(boolean beforeFirstResponse) {
    if (beforeFirstResponse) {
      step.error();
    }
  }

  void onSeen(long now) {
    int s = seen.incrementAndGet();
    if (s == seenTarget) {
      converged = true;
      step.converged(now - openNanos);
    }
  }

  void onGone(long now) {
    int g = gone.incrementAndGet();
    if (g == goneTarget) {
      removed = true;
      closeStep.removed(now - closeNanos);
    }
  }
}
