package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.store.EventRecorder;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchOptions;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With authentication on in etcd, the store works with the right user and password and says so with wrong ones. */
@SuppressWarnings("try") // watches closed by try-with-resources, never referenced
class EtcdCredentialsAreUsedAndCheckedTest {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @BeforeAll
  static void enableAuthentication() throws Exception {
    Client c = etcd.client();
    ByteSequence root = ByteSequence.from("root", StandardCharsets.UTF_8);
    c.getAuthClient().userAdd(root, ByteSequence.from("r00t-pw", StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
    c.getAuthClient().roleAdd(root).get(10, TimeUnit.SECONDS);
    c.getAuthClient().userGrantRole(root, root).get(10, TimeUnit.SECONDS);
    c.getAuthClient().authEnable().get(10, TimeUnit.SECONDS);
  }

  @Test
  void theRightPasswordWorksForWritesAndWatches() {
    var options = etcd.options().withCredentials(new EtcdOptions.Credentials("root", "r00t-pw"));
    try (var s = EtcdConfigStore.connect(options, CLOCK)) {
      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.fromCurrentState(), rec)) {
        var a = s.create(we("a", "10.0.0.1"));
        assertThat(s.get(a.key())).contains(a);
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.events.size() == 2);
        assertThat(rec.events).containsExactly("SYNCED", "ADDED a");
      }
    }
  }

  @Test
  void aWrongPasswordOrNoneIsRefusedSayingWhatToCheck() {
    var wrong = etcd.options().withCredentials(new EtcdOptions.Credentials("root", "guess"));
    assertThatThrownBy(() -> EtcdConfigStore.connect(wrong, CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("etcd at " + etcd.endpoint() + " refused vmesh's credentials")
        .hasMessageContaining("--etcd-password-file");
    assertThatThrownBy(() -> EtcdConfigStore.connect(etcd.options(), CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("etcd at " + etcd.endpoint());
  }
}
