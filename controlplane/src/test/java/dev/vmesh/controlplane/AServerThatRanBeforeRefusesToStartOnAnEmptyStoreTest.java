package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.store.EmbeddedBackend;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.StoreException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A deleted or truncated {@code store.db} next to the CA and token keys of an earlier run is not a first
 * start: the server refuses, saying why and what to do, unless told to start empty.
 */
class AServerThatRanBeforeRefusesToStartOnAnEmptyStoreTest {
  @TempDir
  Path tmp;

  private static void deleteStore(Path data) throws Exception {
    for (String f : new String[] {"store.db", "store.db-wal", "store.db-shm"}) {
      Files.deleteIfExists(data.resolve(f));
    }
  }

  @Test
  void aDeletedOrEmptiedStoreIsRefusedUnlessAnEmptyStoreIsAllowed() throws Exception {
    Path data = tmp.resolve("data");
    try (VmeshServer first = VmeshServer.start(ServerOptions.local(data, null), Clock.systemUTC())) {
      assertThat(first.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      first.store().create(Resource.of(ObjectMeta.of("ns1", "vm1"), WorkloadEntrySpec.of("10.0.0.1", Map.of())));
    }
    deleteStore(data);
    assertThatThrownBy(() -> VmeshServer.start(ServerOptions.local(data, null), Clock.systemUTC()))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessage("refusing to start with an empty store: " + data.resolve("store.db") + " is missing, but the CA in "
            + data.resolve("ca") + " shows that this server has run here before, so the objects it held (ServiceEntries, "
            + "WorkloadEntries, WorkloadGroups and their status) would be lost. Restore " + data.resolve("store.db")
            + " (and store.db-wal, if there is one) from a backup; or, to start over with an empty store, start once "
            + "with --allow-empty-store");
    Files.createFile(data.resolve("store.db"));
    assertThatThrownBy(() -> VmeshServer.start(ServerOptions.local(data, null), Clock.systemUTC()))
        .hasMessageContaining("store.db is empty (0 bytes), but the CA in");

    ServerOptions allowed = ServerOptions.local(data, null).withStore(EmbeddedBackend.opener(data, true));
    try (VmeshServer again = VmeshServer.start(allowed, Clock.systemUTC())) {
      assertThat(again.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      assertThat(again.store().list(ListOptions.all()).items()).isEmpty();
    }
    try (VmeshServer thereafter = VmeshServer.start(ServerOptions.local(data, null), Clock.systemUTC())) {
      assertThat(thereafter.awaitReady(30, TimeUnit.SECONDS)).as("the store exists now: no flag needed").isTrue();
    }
  }
}
