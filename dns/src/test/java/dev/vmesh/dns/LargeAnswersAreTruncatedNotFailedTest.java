package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.NameTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spec 2.3 step 6 and 2.4, Istio #61371 and ztunnel #2060 avoided: a reply larger than the client
 * takes over UDP is cut to whole records with TC set (never SERVFAIL, never oversized), so the client
 * retries over TCP and gets all of it.
 */
class LargeAnswersAreTruncatedNotFailedTest {
  static ProxyFixture f;

  @BeforeAll
  static void start() {
    f = ProxyFixture.start();
    f.upstream().on("giant", new FakeUpstream.Big(64, false));
    f.upstream().on("giant-tc", new FakeUpstream.Big(64, true));
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      many.add("10.0." + (i / 250) + "." + (i % 250 + 1));
    }
    f.proxy.updateTable(new NameTable(Map.of("many.mesh", new NameTable.NameInfo(many, "External", "", "")))).join();
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  @Test
  void aLargeUpstreamUdpReplyIsCutTo512BytesForAClientWithoutEdns() {
    byte[] raw = DnsClient.udp(f.address(), TestQuery.of("giant.", TestQuery.A).bytes());
    Reply r = Reply.parse(raw);
    assertThat(raw.length).isLessThanOrEqualTo(512);
    assertThat(r.rcode()).isZero();
    assertThat(r.tc()).isTrue();
    assertThat(r.answers()).isNotEmpty().hasSizeLessThan(64)
        .allSatisfy(rr -> assertThat(rr.name()).isEqualTo("aaaaaaaaaaaa.aaaaaa."));
    assertThat(f.metrics.upstreamFailures(DnsMetrics.Protocol.UDP)).isZero();
  }

  @Test
  void anEdnsClientGetsUpToItsAdvertisedSizeWithTheOptRecordKept() {
    byte[] raw = DnsClient.udp(f.address(), TestQuery.of("giant.", TestQuery.A).edns(1232).bytes());
    Reply r = Reply.parse(raw);
    assertThat(raw.length).isLessThanOrEqualTo(1232).isGreaterThan(512);
    assertThat(r.tc()).isTrue();
    assertThat(r.opt()).isNotNull();

    Reply all = Reply.parse(DnsClient.udp(f.address(), TestQuery.of("giant.", TestQuery.A).edns(4096).bytes()));
    assertThat(all.tc()).isFalse();
    assertThat(all.answers()).hasSize(64);
  }

  @Test
  void overTcpTheWholeReplyComesThrough() {
    assertThat(f.ask(true, "giant.", TestQuery.A).answers()).hasSize(64);
  }

  @Test
  void anUpstreamsTruncatedReplyIsRelayedWithTcAndTheTcpRetryGetsEverything() {
    Reply udp = f.ask(false, "giant-tc.", TestQuery.A);
    assertThat(udp.tc()).isTrue();
    assertThat(udp.answers()).hasSize(10);
    Reply tcp = f.ask(true, "giant-tc.", TestQuery.A);
    assertThat(tcp.tc()).isFalse();
    assertThat(tcp.answers()).hasSize(64);
  }

  @Test
  void aLargeTableAnswerIsTruncatedOverUdpAndWholeOverTcp() {
    byte[] raw = DnsClient.udp(f.address(), TestQuery.of("many.mesh.", TestQuery.A).bytes());
    Reply udp = Reply.parse(raw);
    assertThat(raw.length).isLessThanOrEqualTo(512);
    assertThat(udp.tc()).isTrue();
    assertThat(udp.aa()).isTrue();
    // header 12 + question 15 leaves room for 30 whole 16-byte records
    assertThat(udp.answers()).hasSize(30).doesNotHaveDuplicates();

    Reply edns = Reply.parse(DnsClient.udp(f.address(), TestQuery.of("many.mesh.", TestQuery.A).edns(4096).bytes()));
    assertThat(edns.tc()).isFalse();
    assertThat(edns.answers()).hasSize(100);

    Reply tcp = f.ask(true, "many.mesh.", TestQuery.A);
    assertThat(tcp.tc()).isFalse();
    assertThat(tcp.addresses()).hasSize(100).doesNotHaveDuplicates();
  }
}
