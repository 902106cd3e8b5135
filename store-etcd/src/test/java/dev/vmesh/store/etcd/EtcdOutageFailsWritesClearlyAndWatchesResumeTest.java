package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.api.Resource;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchEvent;
import dev.vmesh.store.WatchOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * While etcd is down, writes and reads fail at once with a message naming etcd's endpoint and what was
 * being done; once it is back, writes work again and a watch started before the outage goes on, with
 * nothing lost and nothing repeated. The failures tell the gRPC channel to reconnect at once.
 */
@SuppressWarnings("try") // watches closed by try-with-resources, never referenced
class EtcdOutageFailsWritesClearlyAndWatchesResumeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @Test
  void writesFailNamingEtcdWhileItIsDownAndWatchesResumeAfterwards() throws Exception {
    EtcdOptions options = etcd.options().withRequestTimeout(Duration.ofSeconds(3));
    try (var s = EtcdConfigStore.connect(options, CLOCK)) {
      Resource a = s.create(we("a", "10.0.0.1"));
      var view = new StateView();
      try (Watch w = s.watch(WatchOptions.fromCurrentState(), view)) {
        await().atMost(WAIT).until(() -> view.objects.size() == 1);
        int seen = view.events.size();

        etcd.stop();
        assertThatThrownBy(() -> s.create(we("b", "10.0.0.2")))
            .isInstanceOf(StoreException.Unavailable.class)
            .hasMessageContaining("etcd at " + etcd.endpoint())
            .hasMessageContaining("creating WorkloadEntry ns1/b");
        assertThatThrownBy(() -> s.get(a.key()))
            .isInstanceOf(StoreException.Unavailable.class)
            .hasMessageContaining("etcd at " + etcd.endpoint())
            .hasMessageContaining("reading WorkloadEntry ns1/a");
        // each failure lets the channel retry at once rather than at the end of gRPC's growing backoff
        assertThat(s.channelBackoff().works()).isTrue();
        assertThat(s.channelBackoff().resets()).isPositive();

        etcd.start();
        Resource c = await().atMost(WAIT).ignoreExceptionsInstanceOf(StoreException.Unavailable.class)
            .until(() -> s.create(we("c", "10.0.0.3")), Objects::nonNull);
        Resource a2 = s.update(a.withSpec(WorkloadEntrySpec.of("10.0.0.11", Map.of())));
        await().atMost(WAIT).until(() -> view.events.size() >= seen + 2);
        List<WatchEvent> after = view.events.subList(seen, view.events.size());
        assertThat(after).extracting(e -> e.type() + " " + e.object().name()).containsExactly("ADDED c", "MODIFIED a");
        assertThat(after).extracting(WatchEvent::resourceVersion).containsExactly(c.resourceVersion(),
            a2.resourceVersion());
        assertThat(s.get(we("b", "10.0.0.2").key())).as("the refused write left nothing behind").isEmpty();
        assertThat(view.violations).isEmpty();
        assertThat(view.closedWith.get()).isNull();
      }
    }
  }
}
