package dev.vmesh.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Resource;
import dev.vmesh.api.time.ManualTimer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store on a disk that fills up (a small tmpfs) and gets space back. */
class AFullDiskFailsWritesCleanlyAndTheStoreRecoversTest {
  @TempDir
  Path tmp;

  private final ManualTimer clock = new ManualTimer();

  private static Resource big(String name) {
    return Fixtures.withAnnotation(Fixtures.we(name, "10.0.0.1"), "pad", "p".repeat(4000));
  }

  @Test
  void nothingRefusedIsStoredEverythingAcknowledgedIsAndWritesResumeByThemselves() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 4)) {
      Path data = disk.dir().resolve("data");
      Map<String, String> acknowledged = new LinkedHashMap<>(); // name -> resourceVersion
      Set<String> refused = new HashSet<>();
      List<String> events = new CopyOnWriteArrayList<>();
      try (var store = ConfigStores.durable(data, clock)) {
        store.watch(WatchOptions.fromCurrentState(), e -> {
          if (e.type() == WatchEvent.Type.ADDED) {
            events.add(e.object().name());
          }
        });
        for (int i = 0; i < 20; i++) {
          acknowledged.put("before-" + i, store.create(big("before-" + i)).resourceVersion());
        }
        disk.fill();
        // the WAL may still have room for a few pages; write until the disk says no
        for (int i = 0; refused.isEmpty(); i++) {
          assertThat(i).as("a write on the full disk failed").isLessThan(1000);
          String name = "full-" + i;
          try {
            acknowledged.put(name, store.create(big(name)).resourceVersion());
          } catch (StoreException.Unavailable e) {
            assertThat(e).hasMessageContaining("cannot write to " + data.resolve("store.db") + ": the disk is full")
                .hasMessageContaining("nothing of this write was stored");
            refused.add(name);
          }
        }
        for (int i = 0; i < 5; i++) { // not "statement is not executing": the same clear error every time
          String name = "again-" + i;
          assertThatThrownBy(() -> store.create(big(name))).isInstanceOf(StoreException.Unavailable.class)
              .hasMessageContaining("the disk is full");
          refused.add(name);
        }
        StoreHealth unwell = store.health();
        assertThat(unwell.writable()).isFalse();
        assertThat(unwell.reason()).startsWith("the disk is full; free space on the disk of " + data);
        assertThat(unwell.failedWrites()).isEqualTo(refused.size());
        assertThat(store.health().writable()).as("a probe within the interval changes nothing").isFalse();

        disk.free();
        assertThat(store.health().writable()).as("no probe yet within a second of the last").isFalse();
        clock.advance(WriteHealth.PROBE_INTERVAL);
        assertThat(store.health().writable()).as("the probe write succeeded").isTrue();
        for (int i = 0; i < 5; i++) {
          acknowledged.put("after-" + i, store.create(big("after-" + i)).resourceVersion());
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == acknowledged.size());
        assertThat(events).containsExactlyElementsOf(acknowledged.keySet());
        assertThat(store.list(ListOptions.all()).items()).extracting(Resource::name)
            .containsExactlyInAnyOrderElementsOf(acknowledged.keySet());
      }
      try (var reopened = ConfigStores.durable(data, clock)) {
        Map<String, String> stored = new LinkedHashMap<>();
        reopened.list(ListOptions.all()).items().forEach(r -> stored.put(r.name(), r.resourceVersion()));
        assertThat(stored).isEqualTo(acknowledged);
        List<Long> versions = new ArrayList<>(stored.values().stream().map(Long::parseLong).toList());
        long newest = versions.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertThat(Long.parseLong(reopened.resourceVersion())).isEqualTo(newest);
        assertThat(Long.parseLong(reopened.create(big("next")).resourceVersion())).isGreaterThan(newest);
      }
    }
  }

  @Test
  void configFileEditsMadeWhileTheDiskWasFullAreMirroredOnceItHasRoom() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("config"));
    Files.writeString(dir.resolve("a.yaml"), FileStoreFollowsTheDirectoryTest.we("a", "10.0.0.1"));
    try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 4);
        var store = new LayeredConfigStore(FileConfigStore.open(dir, clock, Duration.ZERO),
            ConfigStores.durable(disk.dir().resolve("data"), clock))) {
      assertThat(store.awaitSynced(10)).isTrue();
      disk.fill();
      for (int i = 0; store.health().writable(); i++) { // use up what room the WAL has left
        assertThat(i).isLessThan(1000);
        try {
          store.create(big("filler-" + i));
        } catch (StoreException.Unavailable expected) {
          // the disk is full now
        }
      }
      long failed = store.health().failedWrites();
      Files.writeString(dir.resolve("b.yaml"), FileStoreFollowsTheDirectoryTest.we("b", "10.0.0.2"));
      store.files().rescan();
      await().atMost(Duration.ofSeconds(10)).until(() -> store.health().failedWrites() > failed);
      assertThat(store.get(Fixtures.we("b", "10.0.0.2").key())).isEmpty();

      disk.free();
      clock.advance(WriteHealth.PROBE_INTERVAL);
      assertThat(store.health().writable()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> store.get(Fixtures.we("b", "10.0.0.2").key()).isPresent());
    }
  }

  @Test
  void aFileChangedBehindTheStoresBackWhileItCouldNotWriteStopsWritesUntilARestart() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 4)) {
      Path data = disk.dir().resolve("data");
      try (var store = ConfigStores.durable(data, clock)) {
        store.create(big("before"));
        disk.fill();
        for (int i = 0; store.health().writable(); i++) {
          assertThat(i).isLessThan(1000);
          try {
            store.create(big("full-" + i));
          } catch (StoreException.Unavailable expected) {
            // the disk is full now
          }
        }
        disk.free();
        // another program writes the file meanwhile (or a write whose outcome was unknown got in)
        try (var other = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("store.db"));
            var s = other.createStatement()) {
          s.execute("PRAGMA busy_timeout=5000");
          s.executeUpdate("UPDATE meta SET value = '999' WHERE key = 'revision'");
        }
        clock.advance(WriteHealth.PROBE_INTERVAL);
        StoreHealth h = store.health();
        assertThat(h.writable()).isFalse();
        assertThat(h.reason()).contains("holds revision 999 where this server last stored")
            .endsWith("restart vmesh to load the file as it is");
        assertThatThrownBy(() -> store.create(big("after"))).isInstanceOf(StoreException.Unavailable.class)
            .hasMessageContaining("holds revision 999");
      }
      try (var reopened = ConfigStores.durable(data, clock)) {
        assertThat(reopened.resourceVersion()).isEqualTo("999");
        assertThat(Long.parseLong(reopened.create(big("after")).resourceVersion())).isEqualTo(1000);
      }
    }
  }
}
