package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KnownHostsAreAnsweredFromTheTableTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aRecordsComeFromTheTableAuthoritativeWithTtl30AndClassIn(boolean tcp) {
    TestQuery q = TestQuery.of("www.google.com.", TestQuery.A);
    Reply r = f.ask(tcp, q);

    assertThat(r.id()).isEqualTo(q.id);
    assertThat(r.rcode()).isZero();
    assertThat(r.aa()).isTrue();
    assertThat(r.rd()).isTrue();
    assertThat(r.ra()).isTrue();
    assertThat(r.tc()).isFalse();
    assertThat(r.questions()).containsExactly(new Reply.Rr("www.google.com.", TestQuery.A, 1, 0, ""));
    assertThat(r.answers()).containsExactly(new Reply.Rr("www.google.com.", TestQuery.A, 1, 30, "1.1.1.1"));
    assertThat(f.upstream().count("www.google.com")).isZero();
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void kubernetesHostnamesAndHostsWrittenWithATrailingDotAreAnswered(boolean tcp) {
    assertThat(f.ask(tcp, "productpage.ns1.svc.cluster.local.", TestQuery.A).addresses()).containsExactly("9.9.9.9");
    assertThat(f.ask(tcp, "example.localhost.", TestQuery.A).addresses()).containsExactly("3.3.3.3");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aaaaRecordsForIpv6AndDualStackHosts(boolean tcp) {
    Reply v6 = f.ask(tcp, "ipv6.localhost.", TestQuery.AAAA);
    assertThat(v6.answers()).containsExactly(
        new Reply.Rr("ipv6.localhost.", TestQuery.AAAA, 1, 30, "2001:db8:0:0:0:ff00:42:8329"));
    assertThat(f.ask(tcp, "dual.localhost.", TestQuery.A).addresses()).containsExactly("2.2.2.2");
    assertThat(f.ask(tcp, "dual.localhost.", TestQuery.AAAA).addresses()).containsExactly("2001:db8:0:0:0:ff00:42:8329");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void mixedCaseQuestionsAreMatchedAndEchoedByteForByte(boolean tcp) {
    TestQuery q = TestQuery.of("WwW.GoOgLe.CoM.", TestQuery.A);
    byte[] query = q.bytes();
    byte[] reply = DnsClient.ask(tcp, f.address(), query);
    Reply r = Reply.parse(reply);

    assertThat(Arrays.copyOfRange(reply, 12, query.length)).isEqualTo(Arrays.copyOfRange(query, 12, query.length));
    assertThat(r.answers()).extracting(Reply.Rr::name).containsExactly("WwW.GoOgLe.CoM.");
    assertThat(r.addresses()).containsExactly("1.1.1.1");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void anEdnsQueryGetsAnOptRecordBack(boolean tcp) {
    Reply r = f.ask(tcp, TestQuery.of("www.google.com.", TestQuery.A).edns(1232));
    assertThat(r.addresses()).containsExactly("1.1.1.1");
    assertThat(r.opt()).isNotNull();
    assertThat(r.opt().dnsClass()).isEqualTo(4096);
    assertThat(f.ask(tcp, "www.google.com.", TestQuery.A).opt()).isNull();
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void recursionDesiredIsCopiedNotInvented(boolean tcp) {
    Reply r = f.ask(tcp, TestQuery.of("www.google.com.", TestQuery.A).flags(0));
    assertThat(r.rd()).isFalse();
    assertThat(r.addresses()).containsExactly("1.1.1.1");
  }
}
