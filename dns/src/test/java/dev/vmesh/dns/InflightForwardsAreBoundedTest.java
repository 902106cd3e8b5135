package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** At most maxInflightForwards queries wait on upstreams; more get SERVFAIL at once; table hits never wait. */
class InflightForwardsAreBoundedTest {
  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void queriesBeyondTheLimitGetServfailAndTheTableStillAnswers(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(1, true, b -> b.maxInflightForwards(2))) {
      CompletableFuture<Void> gate = f.upstream().hold("slow.example", "4.4.4.4");
      List<CompletableFuture<Reply>> held = List.of(
          DnsClient.askLater(tcp, f.address(), TestQuery.of("slow.example.", 1).bytes()),
          DnsClient.askLater(tcp, f.address(), TestQuery.of("slow.example.", 1).bytes()));
      await().atMost(Duration.ofSeconds(20)).until(() -> f.proxy.inflightForwards() == 2);

      assertThat(f.ask(tcp, "other.example.", 1).rcode()).isEqualTo(2);
      assertThat(f.upstream().count("other.example")).isZero();
      assertThat(f.ask(tcp, "www.google.com.", 1).addresses()).containsExactly("1.1.1.1");

      gate.complete(null);
      assertThat(held).allSatisfy(r -> assertThat(r.join().addresses()).containsExactly("4.4.4.4"));
      await().atMost(Duration.ofSeconds(20)).until(() -> f.proxy.inflightForwards() == 0);
      assertThat(f.ask(tcp, "other.example.", 1).rcode()).isEqualTo(3);
    }
  }
}
