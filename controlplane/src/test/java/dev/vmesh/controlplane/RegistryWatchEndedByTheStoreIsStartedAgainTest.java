package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.time.ManualTimer;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.store.LocalConfigStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When the store ends the registry's watch, the controller loads the store afresh and follows it again;
 * while the store refuses the new watch it keeps trying (0.5 s, then doubling), and a change made
 * meanwhile is in the registry once it succeeds.
 */
class RegistryWatchEndedByTheStoreIsStartedAgainTest {
  static final String SE = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: %s, namespace: ns1}
      spec:
        hosts: [%s.example.com]
        location: MESH_INTERNAL
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        endpoints: [{address: 10.0.0.1}]
      """;

  @Test
  void aRefusedRestartIsRetriedUntilTheRegistryFollowsTheStoreAgain() throws Exception {
    ManualTimer time = new ManualTimer();
    AtomicInteger resets = new AtomicInteger();
    try (EndingStore store = new EndingStore(new LocalConfigStore(time));
        RegistryController controller = new RegistryController(store, () -> new Registry(RegistryOptions.DEFAULTS),
            c -> { }, resets::incrementAndGet, time)) {
      store.create(ResourceDecoder.decodeOne("a.yaml", SE.formatted("a", "a")));
      controller.start();
      assertThat(controller.awaitSynced(10, TimeUnit.SECONDS)).isTrue();
      await().untilAsserted(() -> assertThat(resets).hasValue(1)); // onReset runs just after synced is set

      store.refuseNextWatches(2);
      store.endWatches(); // the restart at once is refused
      store.create(ResourceDecoder.decodeOne("b.yaml", SE.formatted("b", "b")));
      await().until(() -> store.refused.get() == 1);
      time.advance(Duration.ofMillis(500));
      await().until(() -> store.refused.get() == 2);
      time.advance(Duration.ofSeconds(1));
      await().until(() -> resets.get() == 2);
      assertThat(controller.registry().services()).extracting(s -> s.hostname())
          .contains("a.example.com", "b.example.com");
    }
  }
}
