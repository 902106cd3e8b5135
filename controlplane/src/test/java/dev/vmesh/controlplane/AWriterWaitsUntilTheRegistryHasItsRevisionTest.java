package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.MeshYaml;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.RegistryOptions;
import dev.vmesh.store.ConfigStores;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code awaitRevision} returns once the registry reflects the store version a writer got back (so the
 * writer's next push contains its write), for many waiters at once; it gives up after its timeout.
 */
class AWriterWaitsUntilTheRegistryHasItsRevisionTest {
  @Test
  void eachWaiterReturnsOnceItsWriteIsInTheRegistry() throws Exception {
    try (var store = ConfigStores.memory(Clock.systemUTC());
        var controller = new RegistryController(store, () -> new Registry(RegistryOptions.DEFAULTS), c -> { },
            () -> { })) {
      store.create(MeshYaml.one(MeshYaml.serviceEntry("ns1", "a", "a.example.com", "a")));
      controller.start();
      assertThat(controller.awaitSynced(10, TimeUnit.SECONDS)).isTrue();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<String>> writers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          String name = "vm-" + i;
          String ip = "10.0.0." + (i + 1);
          writers.add(pool.submit(() -> {
            Resource created = store.create(Resource.of(ObjectMeta.of("ns1", name), WorkloadEntrySpec.of(ip,
                Map.of("app", "a"))));
            assertThat(controller.awaitRevision(created.resourceVersion(), Duration.ofSeconds(30))).isTrue();
            assertThat(controller.registry().servicesWithEndpointAt(ip)).as(name + " in the registry once "
                + "awaitRevision returned").isNotEmpty();
            return name;
          }));
        }
        for (Future<String> w : writers) {
          w.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      long next = Long.parseLong(store.resourceVersion()) + 1;
      assertThat(controller.awaitRevision(Long.toString(next), Duration.ofMillis(20))).isFalse();
    }
  }
}
