package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Leadership;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeadershipChangesAreCountedAndTheNewLeaderActsAtOnceTest {
  final AtomicBoolean leads = new AtomicBoolean();
  final AtomicInteger actedAsLeader = new AtomicInteger();
  final PrometheusRegistry metrics = new PrometheusRegistry();
  final LeadershipFollower follower = new LeadershipFollower(new FakeLeadership(), actedAsLeader::incrementAndGet,
      metrics);

  @Test
  void takingAndLosingTheLeadShowInTheMetricsAndTakingItRunsTheLeadersWork() throws IOException {
    follower.check();
    assertThat(scrape()).contains("vmesh_leader 0.0", "vmesh_leader_transitions_total{to=\"leading\"} 0.0",
        "vmesh_leader_transitions_total{to=\"following\"} 0.0");
    assertThat(actedAsLeader).hasValue(0);

    leads.set(true);
    follower.check();
    follower.check(); // no change: nothing more counted, the work is not run again
    assertThat(scrape()).contains("vmesh_leader 1.0", "vmesh_leader_transitions_total{to=\"leading\"} 1.0",
        "vmesh_leader_transitions_total{to=\"following\"} 0.0");
    assertThat(actedAsLeader).hasValue(1);

    leads.set(false);
    follower.check();
    assertThat(scrape()).contains("vmesh_leader 0.0", "vmesh_leader_transitions_total{to=\"following\"} 1.0");

    leads.set(true);
    follower.check();
    assertThat(scrape()).contains("vmesh_leader_transitions_total{to=\"leading\"} 2.0");
    assertThat(actedAsLeader).hasValue(2);
  }

  private String scrape() throws IOException {
    var out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, metrics.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  private final class FakeLeadership implements Leadership {
    @Override
    public boolean isLeader() {
      return leads.get();
    }

    @Override
    public boolean awaitLeader(Duration timeout) {
      return leads.get();
    }

    @Override
    public Optional<String> leader() {
      return leads.get() ? Optional.of("this-replica") : Optional.empty();
    }

    @Override
    public ConfigStore fenced() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }
}
