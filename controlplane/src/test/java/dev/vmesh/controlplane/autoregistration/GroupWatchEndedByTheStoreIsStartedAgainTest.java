package dev.vmesh.controlplane.autoregistration;

import static dev.vmesh.controlplane.autoregistration.Fixture.GROUP_A;
import static dev.vmesh.controlplane.autoregistration.Fixture.proxy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.time.ManualTimer;
import dev.vmesh.controlplane.EndingStore;
import dev.vmesh.store.LocalConfigStore;
import dev.vmesh.store.StoreException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A store may end a watch on its own (the Kubernetes store does when its informer relists after 410
 * Gone). The controller then follows WorkloadGroups again from their current state, so a VM waiting
 * for its group is still registered when the group appears; a restart the store refuses is retried.
 */
class GroupWatchEndedByTheStoreIsStartedAgainTest {
  final ManualTimer time = new ManualTimer();
  final EndingStore store = new EndingStore(new LocalConfigStore(time));
  final AutoRegistrationController c = new AutoRegistrationController(store,
      AutoRegistrationOptions.defaults("pilot-1", "cluster.local"), time, time, rv -> { });

  @AfterEach
  void close() {
    c.close();
    store.close();
  }

  @Test
  void afterTheStoreEndsTheGroupWatchAGroupCreatedLaterStillRegistersTheWaitingVm() {
    c.start();
    c.onConnect(proxy("1.2.3.4", "nw1"), "conn-1"); // its group does not exist yet
    await().until(() -> store.watches.size() == 1);

    store.endWatches();

    await().until(() -> store.watches.size() == 2);
    Resource group = store.create(ResourceDecoder.decodeOne("wg.yaml", GROUP_A));
    await().until(() -> store.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "a", "wg-a-1.2.3.4-nw1")).isPresent());
    assertThat(c.lastGroupEvent()).isEqualTo(group.resourceVersion());
  }

  @Test
  void aGroupWatchTheStoreRefusesToStartAgainIsRetriedUntilItStarts() {
    c.start();
    c.onConnect(proxy("1.2.3.4", "nw1"), "conn-1"); // its group does not exist yet
    await().until(() -> store.watches.size() == 1);

    store.refuseNextWatches(2);
    store.endWatches(); // the restart at once is refused
    await().until(() -> store.refused.get() == 1);
    time.advance(Duration.ofMillis(500)); // refused again
    await().until(() -> store.refused.get() == 2);
    assertThat(store.watches).hasSize(1);
    time.advance(Duration.ofSeconds(1)); // and now it starts
    await().until(() -> store.watches.size() == 2);

    store.create(ResourceDecoder.decodeOne("wg.yaml", GROUP_A));
    await().until(() -> store.get(new ResourceKey(Kind.WORKLOAD_ENTRY, "a", "wg-a-1.2.3.4-nw1")).isPresent());
  }

  @Test
  void aStoreThatClosesIsNotWatchedAgain() {
    c.start();
    await().until(() -> store.watches.size() == 1);
    store.endWatches(new StoreException.Unavailable("store closed", null));
    // only an Expired watch is started again; give a wrong re-watch the chance to show up
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
        .until(() -> store.watches.size() == 1);
  }
}
