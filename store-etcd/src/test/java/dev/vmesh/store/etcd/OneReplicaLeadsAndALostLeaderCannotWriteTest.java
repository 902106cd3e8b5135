package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.Preconditions;
import dev.vmesh.store.StoreException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leader election on an etcd lease: one replica leads an election at a time; when it resigns, dies or is
 * cut off, another takes over; and a replica whose term has ended cannot write through its fenced store,
 * even before it notices, because etcd checks the term in the same transaction as the write.
 */
class OneReplicaLeadsAndALostLeaderCannotWriteTest {
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @Test
  void oneLeadsTheOthersFollowAndOneTakesOverWhenTheLeaderResigns() throws Exception {
    EtcdOptions options = etcd.options();
    try (var s1 = EtcdConfigStore.connect(options, CLOCK); var s2 = EtcdConfigStore.connect(options, CLOCK)) {
      EtcdLeadership a = EtcdLeadership.start(s1, "sweeper", "replica-a", TTL);
      assertThat(a.awaitLeader(WAIT)).isTrue();
      try (EtcdLeadership b = EtcdLeadership.start(s2, "sweeper", "replica-b", TTL);
          EtcdLeadership other = EtcdLeadership.start(s2, "other-work", "replica-b", TTL)) {
        await().atMost(WAIT).until(() -> b.leader().equals(Optional.of("replica-a")));
        assertThat(b.isLeader()).isFalse();
        assertThat(other.awaitLeader(WAIT)).as("elections are independent").isTrue();
        assertThatThrownBy(() -> b.fenced().create(we("by-b", "10.0.0.2")))
            .isInstanceOf(StoreException.NotLeader.class)
            .hasMessageContaining("replica-b").hasMessageContaining("election sweeper").hasMessageContaining("replica-a does");
        Resource byA = a.fenced().create(we("by-a", "10.0.0.1"));
        assertThat(s2.get(byA.key())).contains(byA);

        a.close();
        assertThat(a.isLeader()).isFalse();
        assertThat(b.awaitLeader(WAIT)).isTrue();
        assertThat(b.leader()).contains("replica-b");
        b.fenced().update(byA.withMetadata(byA.metadata().withLabels(Map.of("by", "b"))));
        assertThatThrownBy(() -> a.fenced().delete(byA.key(), Preconditions.NONE))
            .isInstanceOf(StoreException.NotLeader.class);
        assertThat(s1.get(byA.key())).isPresent();
      }
    }
  }

  @Test
  void aWriteInAnEndedTermIsRefusedByEtcdEvenBeforeTheOldLeaderNotices() throws Exception {
    EtcdOptions options = etcd.options();
    try (var s1 = EtcdConfigStore.connect(options, CLOCK); var s2 = EtcdConfigStore.connect(options, CLOCK)) {
      EtcdLeadership a = EtcdLeadership.start(s1, "sweeper", "replica-a", TTL);
      assertThat(a.awaitLeader(WAIT)).isTrue();
      Resource existing = s1.create(we("existing", "10.0.0.1"));
      // what a would still write with after its term ended, had it not noticed (paused longer than the TTL)
      Fence oldTerm = a.currentFence();
      ConfigStore stale = s1.fencedBy(() -> oldTerm);
      a.close(); // the term ends: the lease is gone, and so is the leader key

      assertThatThrownBy(() -> stale.create(we("late", "10.0.0.9")))
          .as("nobody leads").isInstanceOf(StoreException.NotLeader.class)
          .hasMessageContaining("no longer leads election sweeper");
      try (EtcdLeadership b = EtcdLeadership.start(s2, "sweeper", "replica-b", TTL)) {
        assertThat(b.awaitLeader(WAIT)).isTrue();
        assertThatThrownBy(() -> stale.create(we("late", "10.0.0.9")))
            .as("another leads").isInstanceOf(StoreException.NotLeader.class);
        assertThatThrownBy(() -> stale.delete(existing.key(), Preconditions.NONE))
            .isInstanceOf(StoreException.NotLeader.class);
        assertThatThrownBy(() -> stale.updateStatus(existing.withStatus(existing.status().withConditions(
            List.of(new Condition("Healthy", "False", null, null, "", "", 0))))))
            .isInstanceOf(StoreException.NotLeader.class);
        assertThat(s2.get(we("late", "10.0.0.9").key())).isEmpty();
        assertThat(s2.get(existing.key())).contains(existing);
        // the same writes in the current term go through
        assertThat(b.fenced().delete(existing.key(), Preconditions.NONE).name()).isEqualTo("existing");
      }
    }
  }

  @Test
  void aLeaderCutOffFromEtcdStepsDownAndAnotherTakesOver() throws Exception {
    try (var proxy = new TcpProxy(etcd.clientPort())) {
      EtcdOptions direct = etcd.options();
      EtcdOptions viaProxy = EtcdOptions.of(proxy.endpoint()).withKeyPrefix(direct.keyPrefix())
          .withRequestTimeout(Duration.ofSeconds(2));
      try (var s1 = EtcdConfigStore.connect(viaProxy, CLOCK); var s2 = EtcdConfigStore.connect(direct, CLOCK);
          EtcdLeadership a = EtcdLeadership.start(s1, "sweeper", "replica-a", TTL)) {
        assertThat(a.awaitLeader(WAIT)).isTrue();
        try (EtcdLeadership b = EtcdLeadership.start(s2, "sweeper", "replica-b", TTL)) {
          await().atMost(WAIT).until(() -> b.leader().equals(Optional.of("replica-a")));
          proxy.cut();
          await().atMost(WAIT).until(() -> !a.isLeader());
          assertThat(b.awaitLeader(WAIT)).as("the cut-off leader's lease expires").isTrue();
          proxy.heal();
          await().atMost(WAIT).until(() -> a.leader().equals(Optional.of("replica-b")));
          assertThat(a.isLeader()).isFalse();
          assertThatThrownBy(() -> a.fenced().create(we("late", "10.0.0.9")))
              .isInstanceOf(StoreException.NotLeader.class);
        }
      }
    }
  }
}
