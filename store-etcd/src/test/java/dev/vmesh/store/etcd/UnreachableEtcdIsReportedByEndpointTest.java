package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.store.StoreException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Connecting to an address where no etcd listens fails at once, naming the endpoint. */
class UnreachableEtcdIsReportedByEndpointTest {
  @Test
  void connectFailsNamingTheEndpoint() {
    String nobody = "http://127.0.0.1:" + EtcdServer.freePort();
    assertThatThrownBy(() -> EtcdConfigStore.connect(EtcdOptions.of(nobody).withRequestTimeout(Duration.ofSeconds(3)),
        CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("etcd at " + nobody)
        .hasMessageContaining("while connecting");
  }
}
