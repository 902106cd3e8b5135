package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.api.time.ManualTimer;
import dev.vmesh.store.ListOptions;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.StoreHealth;
import dev.vmesh.store.WriteHealth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.AlarmMember;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * etcd past its {@code --quota-backend-bytes} refuses every write (its NOSPACE alarm): the store says so
 * in words an operator can act on, reports itself unwritable, stores nothing of a refused write, and
 * takes writes again by itself once the operator has compacted, defragmented and disarmed the alarm.
 */
class EtcdOverItsSpaceQuotaFailsWritesCleanlyAndRecoversTest {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer().withQuotaBackendBytes(4L * 1024 * 1024);

  private final ManualTimer clock = new ManualTimer();

  /** Puts 64 KiB values under /filler/ until etcd refuses for lack of space. */
  private static void fill(Client c) throws InterruptedException {
    ByteSequence value = ByteSequence.from(new byte[64 * 1024]);
    for (int i = 0; i < 10_000; i++) {
      try {
        c.getKVClient().put(ByteSequence.from("/filler/" + i, StandardCharsets.UTF_8), value).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        assertThat(e).hasMessageContaining(EtcdCalls.NO_SPACE);
        return;
      }
    }
    throw new AssertionError("etcd took 640 MB under a 4 MB quota");
  }

  /** What an operator does: drop the filler, compact, defragment, disarm the alarm. */
  private static void freeSpace(Client c) throws Exception {
    var deleted = c.getKVClient().delete(ByteSequence.from("/filler/", StandardCharsets.UTF_8),
        DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS);
    c.getKVClient().compact(deleted.getHeader().getRevision(), CompactOption.builder().withCompactPhysical(true)
        .build()).get(30, TimeUnit.SECONDS);
    c.getMaintenanceClient().defragmentMember(etcd.endpoint()).get(30, TimeUnit.SECONDS);
    for (AlarmMember alarm : c.getMaintenanceClient().listAlarms().get(10, TimeUnit.SECONDS).getAlarms()) {
      c.getMaintenanceClient().alarmDisarm(alarm).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void writesAreRefusedInWordsNothingIsStoredAndWritesResumeOnceSpaceIsFreed() throws Exception {
    EtcdOptions options = etcd.options();
    try (var store = EtcdConfigStore.connect(options, clock)) {
      store.create(we("before", "10.0.0.1"));
      fill(etcd.client());

      for (String name : new String[] {"refused-1", "refused-2"}) {
        assertThatThrownBy(() -> store.create(we(name, "10.0.0.2"))).isInstanceOf(StoreException.Unavailable.class)
            .hasMessageContaining("etcd at " + etcd.endpoint() + " refused the write while creating WorkloadEntry ns1/"
                + name + ": its database is full")
            .hasMessageContaining("Nothing was written. Free space in etcd (etcdctl compact, etcdctl defrag, etcdctl "
                + "alarm disarm)");
      }
      StoreHealth unwell = store.health();
      assertThat(unwell.writable()).isFalse();
      assertThat(unwell.reason()).startsWith("etcd's database is full");
      assertThat(unwell.failedWrites()).isEqualTo(2);
      clock.advance(WriteHealth.PROBE_INTERVAL);
      assertThat(store.health().writable()).as("the probe is refused while the alarm is raised").isFalse();

      freeSpace(etcd.client());
      assertThat(store.health().writable()).as("no probe within a second of the last").isFalse();
      clock.advance(WriteHealth.PROBE_INTERVAL);
      assertThat(store.health().writable()).as("the probe went through").isTrue();
      assertThat(etcd.client().getKVClient().get(ByteSequence.from(options.keyPrefix() + "write-probe",
          StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS).getKvs()).as("the probe wrote nothing").isEmpty();

      store.create(we("after", "10.0.0.3"));
      assertThat(store.list(ListOptions.all()).items()).extracting(r -> r.name())
          .containsExactlyInAnyOrder("before", "after");
    }
  }
}
