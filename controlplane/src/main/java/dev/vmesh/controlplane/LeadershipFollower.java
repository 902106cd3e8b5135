package dev.vmesh.controlplane;

import dev.vmesh.store.Leadership;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LeadershipFollower} notices when this replica starts or stops leading (checked every second on
 * the server's timer thread, which owns its state), logs it, counts it ({@code vmesh_leader_transitions_total})
 * and runs {@code onLeading} when the lead is taken, so the leader's singleton work starts at once rather
 * than at its next interval. {@code vmesh_leader} reads the lead at scrape time.
 */
final class LeadershipFollower {
  private static final Logger LOG = LoggerFactory.getLogger(LeadershipFollower.class);

  private final Leadership leadership;
  private final Runnable onLeading;
  private final Counter transitions;
  private boolean leading;

  LeadershipFollower(Leadership leadership, Runnable onLeading, PrometheusRegistry metrics) {
    this.leadership = leadership;
    this.onLeading = onLeading;
    GaugeWithCallback.builder().name("vmesh_leader")
        .help("1 while this replica leads (sweeps disconnected VMs, records allocated addresses), else 0.")
        .callback(cb -> cb.call(leadership.isLeader() ? 1 : 0)).register(metrics);
    transitions = Counter.builder().name("vmesh_leader_transitions")
        .help("Times this replica started (to=leading) or stopped (to=following) leading.").labelNames("to")
        .register(metrics);
    transitions.initLabelValues("leading");
    transitions.initLabelValues("following");
  }

  /** Checks now and then every second on {@code timer}. */
  void start(ScheduledExecutorService timer) {
    timer.scheduleWithFixedDelay(this::check, 0, 1, TimeUnit.SECONDS);
  }

  /** One check: acts if the lead changed since the last one. Called on the timer thread only. */
  void check() {
    boolean now = leadership.isLeader();
    if (now == leading) {
      return;
    }
    leading = now;
    transitions.labelValues(now ? "leading" : "following").inc();
    LOG.info("event={} leader={}", now ? "leading" : "following", leadership.leader().orElse("none"));
    if (now) {
      onLeading.run();
    }
  }
}
