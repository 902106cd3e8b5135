package dev.vmesh.bench.xds;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * {@code Step} collects the figures of one measured stretch of {@link Registrations}: registration
 * latency (stream open to first response), convergence (stream open to every watcher of the group
 * has the endpoint), removal (stream closed to every watcher lost it), errors, and server CPU.
 */
final class Step {
  final String name;
  final Histogram registration = histogram();
  final Histogram convergence = histogram();
  final Histogram removal = histogram();
  final AtomicInteger registeredCount = new AtomicInteger();
  final AtomicInteger convergedCount = new AtomicInteger();
  final AtomicInteger removedCount = new AtomicInteger();
  final AtomicInteger errors = new AtomicInteger();
  final AtomicLong firstRegisteredNanos = new AtomicLong(Long.MAX_VALUE);
  final AtomicLong lastRegisteredNanos = new AtomicLong();
  long startNanos;
  long cpuStartNanos;
  long endNanos;
  long cpuEndNanos;
  long benchCpuStartNanos;
  long benchCpuEndNanos;
  long stallStartMicros;
  long stallEndMicros;

  Step(String name) {
    this.name = name;
  }

  private static Histogram histogram() {
    return new Histogram(TimeUnit.MINUTES.toNanos(10), 3);
  }

  void registered(long latencyNanos, long now) {
    synchronized (registration) {
      registration.recordValue(Math.max(1, latencyNanos));
    }
    registeredCount.incrementAndGet();
    firstRegisteredNanos.accumulateAndGet(now, Math::min);
    lastRegisteredNanos.accumulateAndGet(now, Math::max);
  }

  /** Registrations per second between the first and the last one of the step. */
  double achievedRate() {
    long span = lastRegisteredNanos.get() - firstRegisteredNanos.get();
    return span <= 0 ? Double.NaN : (registeredCount.get() - 1) / (span / 1e9);
  }

  void converged(long latencyNanos) {
    synchronized (convergence) {
      convergence.recordValue(Math.max(1, latencyNanos));
    }
    convergedCount.incrementAndGet();
  }

  void removed(long latencyNanos) {
    synchronized (removal) {
      removal.recordValue(Math.max(1, latencyNanos));
    }
    removedCount.incrementAndGet();
  }

  void error() {
    errors.incrementAndGet();
  }

  /** Server CPU over the step, in cores. */
  double serverCores() {
    return (cpuEndNanos - cpuStartNanos) / (double) Math.max(1, endNanos - startNanos);
  }

  /** CPU of this (the load-generating) JVM over the step, in cores. */
  double benchCores() {
    return (benchCpuEndNanos - benchCpuStartNanos) / (double) Math.max(1, endNanos - startNanos);
  }

  /**
   * Share of the step's wall time during which some runnable task on this machine waited for a CPU
   * ({@code /proc/pressure/cpu}, "some"): how busy the box was, this run and anything else included.
   */
  double cpuPressure() {
    return stallStartMicros < 0 || stallEndMicros < 0 ? Double.NaN
        : (stallEndMicros - stallStartMicros) * 1000.0 / Math.max(1, endNanos - startNanos);
  }

  /** Total microseconds some task waited for a CPU, from {@code /proc/pressure/cpu}; -1 if unknown. */
  static long cpuStallMicros() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/pressure/cpu"))) {
        if (l.startsWith("some ")) {
          return Long.parseLong(l.substring(l.indexOf("total=") + 6).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** {@code p50 / p99 / max} in milliseconds. */
  static String millis(Histogram h) {
    synchronized (h) {
      if (h.getTotalCount() == 0) {
        return "-";
      }
      return String.format("%.0f / %.0f / %.0f", h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
          h.getMaxValue() / 1e6);
    }
  }

  static double p99Millis(Histogram h) {
    synchronized (h) {
      return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1e6;
    }
  }
}
