package dev.vmesh.controlplane.autoregistration;

import static dev.vmesh.controlplane.autoregistration.Fixture.GROUP_A;
import static dev.vmesh.controlplane.autoregistration.Fixture.proxy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Kind;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.store.ListOptions;
import dev.vmesh.xds.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Connections of different VMs are handled in parallel, and two connections of one VM at once (an
 * agent reconnecting before its old stream is gone) still share one entry: neither is refused.
 */
class ManyVmsConnectingAtOnceEachGetOneEntryTest {
  static final int VMS = 100;

  private static void runAtOnce(List<Runnable> tasks) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (Runnable t : tasks) {
        done.add(pool.submit(() -> {
          go.await();
          t.run();
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS); // rethrows a refusal
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void pairsOfConnectionsPerVmAtOnceMakeOneConnectedEntryEach() throws Exception {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      List<Runnable> connects = new ArrayList<>();
      List<Runnable> disconnects = new ArrayList<>();
      for (int i = 0; i < VMS; i++) {
        Proxy p = proxy("10.1." + (i / 250) + "." + (i % 250 + 1), "nw1");
        for (int c = 0; c < 2; c++) {
          String id = p.id() + "-" + c;
          connects.add(() -> f.pilot1.onConnect(p, id));
          disconnects.add(() -> f.pilot1.onDisconnect(p, id));
        }
      }
      runAtOnce(connects);
      List<Resource> entries = f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items();
      assertThat(entries).hasSize(VMS).allSatisfy(e -> assertThat(e.metadata().annotations())
          .containsEntry(WellKnown.WORKLOAD_CONTROLLER, "pilot-1").containsKey(WellKnown.CONNECTED_AT));
      assertThat(f.pilot1.connections()).hasSize(2 * VMS);

      runAtOnce(disconnects);
      assertThat(f.pilot1.connections()).isEmpty();
      assertThat(f.store.list(ListOptions.of(Kind.WORKLOAD_ENTRY)).items()).hasSize(VMS)
          .allSatisfy(e -> assertThat(e.metadata().annotations()).containsKey(WellKnown.DISCONNECTED_AT)
              .doesNotContainKey(WellKnown.CONNECTED_AT));
    }
  }
}
