package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.NameTable;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec 2.3 step 4 and 2.4: what the table does not answer goes upstream unchanged, same transport. */
class UnknownNamesAreForwardedUpstreamTest {

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void theQueryGoesUpstreamOverTheSameTransportAndTheReplyComesBackAsIs(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start()) {
      TestQuery q = TestQuery.of("www.bing.com.", TestQuery.A).edns(1232);
      Reply r = f.ask(tcp, q);

      assertThat(r.id()).isEqualTo(q.id);
      assertThat(r.aa()).isFalse();
      assertThat(r.answers()).containsExactly(new Reply.Rr("www.bing.com.", TestQuery.A, 1, 60, "1.1.1.1"));
      assertThat(f.upstream().received()).singleElement().satisfies(got -> {
        assertThat(got.tcp()).isEqualTo(tcp);
        assertThat(got.name()).isEqualTo("www.bing.com.");
        if (!tcp) {
          assertThat(got.raw()).isEqualTo(q.bytes()); // exactly as received: ID, flags, OPT
        }
      });
      assertThat(f.metrics.requests(protocol(tcp), DnsMetrics.Result.UPSTREAM)).isEqualTo(1);
      assertThat(f.metrics.upstreamRequests(protocol(tcp))).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void upstreamNxdomainIsRelayed(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start()) {
      Reply r = f.ask(tcp, "nothing.example.", TestQuery.A);
      assertThat(r.rcode()).isEqualTo(3);
      assertThat(f.upstream().count("nothing.example.")).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void otherTypesAndClassesForKnownHostsAreForwarded(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start()) {
      for (int type : new int[] {TestQuery.TXT, TestQuery.MX, TestQuery.SRV, 255}) {
        assertThat(f.ask(tcp, "www.google.com.", type).rcode()).isEqualTo(3);
      }
      assertThat(f.ask(tcp, TestQuery.of("www.google.com.", TestQuery.A).dnsClass(3)).rcode()).isEqualTo(3);
      assertThat(f.upstream().count("www.google.com.")).isEqualTo(5);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void beforeTheFirstTableEverythingIsForwarded(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start(1, false, b -> {})) {
      f.upstream().answer("www.google.com", "8.8.8.8");
      assertThat(f.proxy.hasTable()).isFalse();
      Reply before = f.ask(tcp, "www.google.com.", TestQuery.A);
      assertThat(before.addresses()).containsExactly("8.8.8.8");
      assertThat(before.aa()).isFalse();

      f.proxy.updateTable(ProxyFixture.TABLE).join();
      assertThat(f.proxy.synced()).isTrue();
      assertThat(f.ask(tcp, "www.google.com.", TestQuery.A).addresses()).containsExactly("1.1.1.1");
      assertThat(f.upstream().count("www.google.com.")).isEqualTo(1);
    }
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aTableUpdateTakesEffectForTheNextQuery(boolean tcp) {
    try (ProxyFixture f = ProxyFixture.start()) {
      assertThat(f.ask(tcp, "www.google.com.", TestQuery.A).addresses()).containsExactly("1.1.1.1");
      f.proxy.updateTable(new NameTable(Map.of("www.google.com", NameTable.NameInfo.external("7.7.7.7"))));
      assertThat(f.ask(tcp, "www.google.com.", TestQuery.A).addresses()).containsExactly("7.7.7.7");
      f.proxy.updateTable(NameTable.EMPTY);
      assertThat(f.ask(tcp, "www.google.com.", TestQuery.A).rcode()).isEqualTo(3); // now upstream's
    }
  }

  static DnsMetrics.Protocol protocol(boolean tcp) {
    return tcp ? DnsMetrics.Protocol.TCP : DnsMetrics.Protocol.UDP;
  }
}
