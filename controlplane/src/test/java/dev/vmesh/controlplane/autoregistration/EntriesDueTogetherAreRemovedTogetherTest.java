package dev.vmesh.controlplane.autoregistration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.codec.ResourceEncoder;
import dev.vmesh.api.time.ManualTimer;
import dev.vmesh.store.ForwardingConfigStore;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.LocalConfigStore;
import dev.vmesh.store.Preconditions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Entries whose cleanup the rate allows at the same moment are deleted concurrently (so the store can
 * commit them together), not one disk sync after another.
 */
class EntriesDueTogetherAreRemovedTogetherTest {
  static final int ENTRIES = 5;

  /** A store whose deletions wait until {@link #ENTRIES} of them are in progress at once. */
  static final class MeetingStore extends ForwardingConfigStore {
    final LocalConfigStore inner;
    final CyclicBarrier together = new CyclicBarrier(ENTRIES);

    MeetingStore(LocalConfigStore inner) {
      super(inner);
      this.inner = inner;
    }

    @Override
    public Resource delete(ResourceKey key, Preconditions preconditions) {
      try {
        together.await(30, TimeUnit.SECONDS); // one at a time would never get here together
      } catch (Exception e) {
        throw new IllegalStateException("deletions did not run concurrently", e);
      }
      return inner.delete(key, preconditions);
    }

    @Override
    public String describe() {
      return "meeting";
    }
  }

  @Test
  void aSweepFindingSeveralDueEntriesDeletesThemConcurrently() {
    ManualTimer time = new ManualTimer();
    MeetingStore store = new MeetingStore(new LocalConfigStore(time));
    for (int i = 0; i < ENTRIES; i++) {
      store.create(Resource.of(ObjectMeta.of("a", "wg-a-10.0.0." + i).withAnnotations(Map.of(
          WellKnown.AUTO_REGISTRATION_GROUP, "wg-a", WellKnown.WORKLOAD_CONTROLLER, "pilot-1",
          WellKnown.DISCONNECTED_AT, ResourceEncoder.time(time.instant()))).withOwnerReferences(List.of(
              new OwnerReference("networking.istio.io/v1", "WorkloadGroup", "wg-a", "", true, false))),
          WorkloadEntrySpec.of("10.0.0." + i, Map.of("app", "a"))));
    }
    try (EntryCleaner cleaner = new EntryCleaner(store, AutoRegistrationOptions.defaults("pilot-1", "cluster.local"),
        time, time)) { // serving since before the disconnects
      time.advance(Duration.ofSeconds(11)); // past the grace period of all of them
      cleaner.sweep(); // queues all five; the cleanup runs on the timer
      time.advance(Duration.ZERO);
      assertThat(store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()).isEmpty();
    }
  }
}
