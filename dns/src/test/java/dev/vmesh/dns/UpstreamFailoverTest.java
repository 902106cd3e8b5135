package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spec 2.4: one attempt per server, each with its own timeout, sequential (random or given order) or
 * parallel; SERVFAIL only when every server failed. Timeouts are fired by hand, never waited for.
 */
class UpstreamFailoverTest {
  static final Duration WAIT = Duration.ofSeconds(20);

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aSilentServerIsLeftAfterItsTimeoutAndTheNextAnswers(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> {})) {
      f.upstreams.get(0).on("www.bing.com", new FakeUpstream.Drop());
      CompletableFuture<Reply> reply = DnsClient.askLater(tcp, f.address(), TestQuery.of("www.bing.com.", 1).bytes());

      await().atMost(WAIT).until(() -> f.upstreams.get(0).count("www.bing.com") == 1 && f.timeouts.pending() == 1);
      assertThat(f.upstreams.get(1).count("www.bing.com")).isZero();
      assertThat(f.timeouts.firstDelay()).isEqualTo(Duration.ofSeconds(5)); // Istio's default
      f.timeouts.fireAll();

      assertThat(reply.join().addresses()).containsExactly("1.1.1.1");
      assertThat(f.upstreams.get(1).count("www.bing.com")).isEqualTo(1);
      assertThat(f.metrics.upstreamFailures(UnknownNamesAreForwardedUpstreamTest.protocol(tcp))).isZero();
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aDeadServerIsSkippedWithoutWaitingForATimeout(boolean tcp) {
    FakeUpstream gone = FakeUpstream.start();
    InetSocketAddress dead = gone.address();
    gone.close();
    try (FakeUpstream live = FakeUpstream.start().answer("www.bing.com", "1.1.1.1");
        ProxyFixture f = ProxyFixture.start(0, true, b -> b.upstreams(List.of(dead, live.address())))) {
      // No timeout is ever fired here: the refused connection or ICMP port unreachable ends the attempt.
      assertThat(f.ask(tcp, "www.bing.com.", 1).addresses()).containsExactly("1.1.1.1");
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void whenEveryServerFailsTheClientGetsServfail(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> {})) {
      f.upstreams.get(0).on("www.bing.com", new FakeUpstream.Drop());
      f.upstreams.get(1).on("www.bing.com", new FakeUpstream.Garbage());
      TestQuery q = TestQuery.of("www.bing.com.", 1).edns(1232);
      CompletableFuture<Reply> reply = DnsClient.askLater(tcp, f.address(), q.bytes());

      await().atMost(WAIT).until(() -> f.timeouts.pending() == 1);
      f.timeouts.fireAll();

      Reply r = reply.join();
      assertThat(r.id()).isEqualTo(q.id);
      assertThat(r.rcode()).isEqualTo(2);
      assertThat(r.questions()).extracting(Reply.Rr::name).containsExactly("www.bing.com.");
      assertThat(r.opt()).isNotNull();
      DnsMetrics.Protocol p = UnknownNamesAreForwardedUpstreamTest.protocol(tcp);
      assertThat(f.metrics.upstreamFailures(p)).isEqualTo(1);
      assertThat(f.metrics.requests(p, DnsMetrics.Result.SERVFAIL)).isEqualTo(1);
      assertThat(f.metrics.upstreamDurationCount(p)).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void anUpstreamServfailMakesTheNextServerBeAsked(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> {})) {
      f.upstreams.get(0).on("www.bing.com", new FakeUpstream.Code(DnsResponseCode.SERVFAIL));
      assertThat(f.ask(tcp, "www.bing.com.", 1).addresses()).containsExactly("1.1.1.1");

      f.upstreams.get(1).on("www.bing.com", new FakeUpstream.Code(DnsResponseCode.REFUSED));
      Reply r = f.ask(tcp, "www.bing.com.", 1);
      assertThat(r.rcode()).isEqualTo(5); // the last server's own reply, relayed
      assertThat(f.metrics.upstreamFailures(UnknownNamesAreForwardedUpstreamTest.protocol(tcp))).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void nxdomainIsAnAnswerNotAFailure(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> {})) {
      f.upstreams.get(1).answer("nothing.example", "5.5.5.5");
      assertThat(f.ask(tcp, "nothing.example.", 1).rcode()).isEqualTo(3);
      assertThat(f.upstreams.get(1).count("nothing.example")).isZero();
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void parallelModeTakesTheFirstGoodReplyWithoutWaitingForTheSilentServer(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> b.parallelForwarding(true))) {
      f.upstreams.get(0).on("www.bing.com", new FakeUpstream.Drop());
      assertThat(f.ask(tcp, "www.bing.com.", 1).addresses()).containsExactly("1.1.1.1");
      // The silent server was asked too; over TCP it may read the query only after the reply came.
      await().atMost(WAIT).until(() -> f.upstreams.get(0).count("www.bing.com") == 1);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void parallelModeFailsOnlyWhenAllFail(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> b.parallelForwarding(true))) {
      f.upstreams.get(0).on("www.bing.com", new FakeUpstream.Drop());
      f.upstreams.get(1).on("www.bing.com", new FakeUpstream.Drop());
      CompletableFuture<Reply> reply = DnsClient.askLater(tcp, f.address(), TestQuery.of("www.bing.com.", 1).bytes());
      await().atMost(WAIT).until(() -> f.timeouts.pending() == 2);
      assertThat(reply).isNotDone();
      f.timeouts.fireAll();
      assertThat(reply.join().rcode()).isEqualTo(2);
    }
  }

  @Test
  void aStrayUdpReplyWithTheWrongIdIsIgnored() {
    try (ProxyFixture f = ProxyFixture.start()) {
      f.upstream().on("spoofed.example", new FakeUpstream.StrayThenAnswer(List.of("1.2.3.4")));
      assertThat(f.ask(false, "spoofed.example.", 1).addresses()).containsExactly("1.2.3.4");
    }
  }

  @Test
  void withoutUpstreamsUnknownNamesGetServfail() {
    try (ProxyFixture f = ProxyFixture.start(0, true, b -> {})) {
      assertThat(f.ask(false, "www.bing.com.", 1).rcode()).isEqualTo(2);
      assertThat(f.ask(false, "www.google.com.", 1).addresses()).containsExactly("1.1.1.1");
    }
  }

  @Test
  void randomOrderSpreadsQueriesOverTheServers() {
    try (ProxyFixture f = ProxyFixture.start(2, true, b -> b.randomUpstreamOrder(true))) {
      for (int i = 0; i < 40; i++) {
        assertThat(f.ask(false, "www.bing.com.", 1).addresses()).containsExactly("1.1.1.1");
      }
      // Each server first in about half the queries; none at all would have odds of 2^-39.
      assertThat(f.upstreams).allSatisfy(u -> assertThat(u.count("www.bing.com")).isPositive());
    }
  }

  @Test
  void theEventLoopTimerEndsAnAttemptWhenNoTestSchedulerIsUsed() {
    try (FakeUpstream silent = FakeUpstream.start().on("www.bing.com", new FakeUpstream.Drop());
        ProxyFixture f = ProxyFixture.start(0, true, b -> b.upstreams(List.of(silent.address()))
            .forwardTimeout(Duration.ofMillis(100)).timeouts(TimeoutScheduler.EVENT_LOOP))) {
      assertThat(f.ask(false, "www.bing.com.", 1).rcode()).isEqualTo(2);
    }
  }
}
