package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real {@code dig} (BIND 9, Debian's bind9-dnsutils; .ci/run installs it) against the proxy on
 * 127.0.0.1 and a non-standard port: table answers, the search-domain CNAME, NODATA, forwarding, and
 * truncation followed by dig's own retry over TCP.
 */
class DigAgainstTheProxyTest {
  static ProxyFixture f;

  @BeforeAll
  static void start() {
    assumeTrue(ExternalProcess.available("dig"), "dig is not installed (apt-get install -y bind9-dnsutils)");
    f = ProxyFixture.start();
    f.upstream().on("giant", new FakeUpstream.Big(64, false));
  }

  @AfterAll
  static void stop() {
    if (f != null) {
      f.close();
    }
  }

  static ExternalProcess dig(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("dig", "-r", "@" + f.address().getAddress().getHostAddress(),
        "-p", String.valueOf(f.address().getPort()), "+time=10", "+tries=1"));
    cmd.addAll(List.of(args));
    ExternalProcess p = ExternalProcess.run(cmd);
    assertThat(p.exit()).as("dig %s: %s%s", List.of(args), p.out(), p.err()).isZero();
    return p;
  }

  @Test
  void tableAnswerOverUdpAndTcp() throws Exception {
    for (String transport : List.of("+notcp", "+tcp")) {
      String out = dig(transport, "productpage.ns1.svc.cluster.local", "A").out();
      assertThat(out).contains("status: NOERROR").containsPattern("flags: qr aa rd ra;")
          .containsPattern("productpage\\.ns1\\.svc\\.cluster\\.local\\.\\s+30\\s+IN\\s+A\\s+9\\.9\\.9\\.9")
          .contains("udp: 4096").doesNotContain("recursion requested but not available");
    }
  }

  @Test
  void searchDomainAliasAndShortNames() throws Exception {
    assertThat(dig("+short", "productpage.ns1.ns1.svc.cluster.local").out()).isEqualTo("productpage.ns1.\n9.9.9.9\n");
    assertThat(dig("+short", "productpage").out()).isEqualTo("9.9.9.9\n");
    assertThat(dig("+short", "foo.b.wildcard.ns1.svc.cluster.local").out()).isEqualTo("foo.b.wildcard.\n11.11.11.11\n");
  }

  @Test
  void noDataForAMissingFamilyAndCaseKept() throws Exception {
    assertThat(dig("ipv4.localhost", "AAAA").out()).contains("status: NOERROR").contains("ANSWER: 0");
    assertThat(dig("WwW.GoOgLe.CoM", "A").out())
        .containsPattern("WwW\\.GoOgLe\\.CoM\\.\\s+30\\s+IN\\s+A\\s+1\\.1\\.1\\.1");
  }

  @Test
  void reverseLookupsOfMeshAddressesNameTheirHosts() throws Exception {
    String out = dig("-x", "9.9.9.9").out();
    assertThat(out).contains("status: NOERROR").containsPattern("flags: qr aa rd ra;")
        .containsPattern("9\\.9\\.9\\.9\\.in-addr\\.arpa\\.\\s+30\\s+IN\\s+PTR\\s+productpage\\.ns1\\.svc\\.cluster\\.local\\.");
    assertThat(dig("+short", "-x", "2001:db8::ff00:42:8329").out()).isEqualTo("dual.localhost.\nipv6.localhost.\n");
    assertThat(dig("-x", "192.0.2.1").out()).contains("status: NXDOMAIN"); // not ours: the upstream's answer
  }

  @Test
  void forwardedAnswers() throws Exception {
    assertThat(dig("+short", "www.bing.com").out()).isEqualTo("1.1.1.1\n");
    assertThat(dig("nothing.example").out()).contains("status: NXDOMAIN");
  }

  @Test
  void aTruncatedUdpReplyMakesDigRetryOverTcp() throws Exception {
    String truncated = dig("+ignore", "+noedns", "giant").out();
    assertThat(truncated).containsPattern("flags: qr[a-z ]* tc").contains("status: NOERROR");
    String retried = dig("+noedns", "giant").out();
    assertThat(retried).contains("Truncated, retrying in TCP mode").contains("ANSWER: 64");
  }
}
