package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Istio #31064: multi-address answers come in a fresh order per reply, for client-side balancing. */
class AnswersAreShuffledTest {
  @Test
  void everyReplyHasAllAddressesInVaryingOrder() {
    try (ProxyFixture f = ProxyFixture.start()) {
      Set<List<String>> orders = new HashSet<>();
      for (int i = 0; i < 60; i++) {
        List<String> addresses = f.ask(i % 2 == 0, "details.ns2.svc.cluster.remote.", TestQuery.A).addresses();
        assertThat(addresses).containsExactlyInAnyOrder("11.11.11.11", "12.12.12.12", "13.13.13.13", "14.14.14.14");
        orders.add(addresses);
      }
      // 24 possible orders; 60 replies all in one order would mean no shuffling (odds about 1e-82).
      assertThat(orders).hasSizeGreaterThan(1);
    }
  }
}
