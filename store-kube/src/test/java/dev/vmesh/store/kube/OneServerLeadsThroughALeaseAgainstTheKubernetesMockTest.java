package dev.vmesh.store.kube;

import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.store.ConfigStore;
import dev.vmesh.store.ConfigStores;
import dev.vmesh.store.Fixtures;
import dev.vmesh.store.StoreException;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Leader election on a coordination.k8s.io Lease, against fabric8's Kubernetes mock server (CRUD
 * mode), with short timings: of two replicas one leads and holds the Lease, the other's fenced writes
 * are refused; when the leader stops, it gives the Lease up and the other leads.
 */
class OneServerLeadsThroughALeaseAgainstTheKubernetesMockTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  final MockCluster cluster = MockCluster.empty();
  final ConfigStore store = ConfigStores.memory(Fixtures.CLOCK);

  @AfterEach
  void close() {
    store.close();
    cluster.close();
  }

  KubeLeadership replica(String identity) {
    return replica(identity, cluster.client);
  }

  KubeLeadership replica(String identity, KubernetesClient client) {
    return KubeLeadership.start(store, client, "vmesh-system", "server", identity, Duration.ofSeconds(3),
        Duration.ofSeconds(2), Duration.ofMillis(200));
  }

  Optional<String> holder() {
    Lease lease = cluster.client.leases().inNamespace("vmesh-system").withName("vmesh-server").get();
    return lease == null ? Optional.empty() : Optional.ofNullable(lease.getSpec().getHolderIdentity());
  }

  @Test
  void oneLeadsTheOtherIsFencedAndTakesOverWhenTheLeaderStops() throws Exception {
    KubeLeadership a = replica("replica-a");
    KubeLeadership b = replica("replica-b");
    try {
      await().atMost(WAIT).until(() -> a.isLeader() || b.isLeader());
      KubeLeadership leader = a.isLeader() ? a : b;
      KubeLeadership follower = leader == a ? b : a;
      String leaderId = leader == a ? "replica-a" : "replica-b";
      assertThat(holder()).contains(leaderId);
      assertThat(follower.isLeader()).isFalse();
      await().atMost(WAIT).until(() -> follower.leader().equals(Optional.of(leaderId)));

      assertThat(leader.fenced().create(we("a", "10.0.0.1"))).isNotNull();
      assertThatThrownBy(() -> follower.fenced().create(we("b", "10.0.0.2")))
          .isInstanceOf(StoreException.NotLeader.class).hasMessageContaining("the leader is " + leaderId);
      assertThat(store.get(we("b", "10.0.0.2").key())).isEmpty();

      leader.close(); // gives the Lease up
      assertThat(leader.isLeader()).isFalse();
      assertThat(follower.awaitLeader(WAIT)).isTrue();
      String followerId = follower == a ? "replica-a" : "replica-b";
      await().atMost(WAIT).until(() -> holder().equals(Optional.of(followerId)));
      assertThat(follower.fenced().create(we("b", "10.0.0.2"))).isNotNull();
      assertThatThrownBy(() -> leader.fenced().create(we("c", "10.0.0.3"))).isInstanceOf(StoreException.NotLeader.class);
    } finally {
      for (KubeLeadership l : List.of(a, b)) {
        l.close();
      }
    }
  }

  @Test
  void aLeaderCutOffFromTheApiServerStepsDownAndTheOtherTakesOverAfterTheLease() throws Exception {
    var cutOff = cluster.server.createClient();
    KubeLeadership a = replica("replica-a", cutOff);
    await().atMost(WAIT).until(a::isLeader);
    KubeLeadership b = replica("replica-b");
    try {
      assertThat(b.isLeader()).isFalse();
      cutOff.close(); // a can no longer renew
      await().atMost(WAIT).until(() -> !a.isLeader());
      assertThatThrownBy(() -> a.fenced().create(we("a", "10.0.0.1"))).isInstanceOf(StoreException.NotLeader.class);
      assertThat(b.awaitLeader(WAIT)).isTrue();
      assertThat(holder()).contains("replica-b");
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void anUnreadableLeaseKeepsTheReplicaTryingUntilItIsGone() throws Exception {
    // a Lease without the fields a leader record needs (made by hand, or by something else)
    cluster.client.leases().inNamespace("vmesh-system").resource(new LeaseBuilder().withNewMetadata().withName("vmesh-server").endMetadata().withNewSpec().endSpec().build()).create();
    KubeLeadership a = replica("replica-a");
    try {
      assertThat(a.awaitLeader(Duration.ofMillis(600))).isFalse();
      cluster.client.leases().inNamespace("vmesh-system").withName("vmesh-server").delete();
      assertThat(a.awaitLeader(WAIT)).isTrue();
      assertThat(holder()).contains("replica-a");
    } finally {
      a.close();
    }
    assertThat(a.isLeader()).isFalse();
  }
}
