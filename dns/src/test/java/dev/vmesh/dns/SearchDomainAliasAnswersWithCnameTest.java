package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Spec 2.2 step 3: a stub resolver's first try for a short name (the name plus the first search
 * domain) is answered at once with a CNAME to the name and its addresses, class IN, TTL 30.
 */
class SearchDomainAliasAnswersWithCnameTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void firstSearchDomainExpansionGetsCnameAndAddresses(boolean tcp) {
    Reply r = f.ask(tcp, "productpage.ns1.ns1.svc.cluster.local.", TestQuery.A);
    assertThat(r.rcode()).isZero();
    assertThat(r.aa()).isTrue();
    assertThat(r.answers()).containsExactly(
        new Reply.Rr("productpage.ns1.ns1.svc.cluster.local.", TestQuery.CNAME, 1, 30, "productpage.ns1."),
        new Reply.Rr("productpage.ns1.", TestQuery.A, 1, 30, "9.9.9.9"));
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void serviceEntryHostsGetTheShortcutToo(boolean tcp) {
    Reply r = f.ask(tcp, "www.google.com.ns1.svc.cluster.local.", TestQuery.A);
    assertThat(r.answers()).containsExactly(
        new Reply.Rr("www.google.com.ns1.svc.cluster.local.", TestQuery.CNAME, 1, 30, "www.google.com."),
        new Reply.Rr("www.google.com.", TestQuery.A, 1, 30, "1.1.1.1"));
    assertThat(f.upstream().count("www.google.com.ns1.svc.cluster.local.")).isZero();
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void theClientsCaseIsKeptInTheOwnerName(boolean tcp) {
    Reply r = f.ask(tcp, "WWW.Google.com.NS1.svc.cluster.local.", TestQuery.A);
    assertThat(r.answers().getFirst()).isEqualTo(
        new Reply.Rr("WWW.Google.com.NS1.svc.cluster.local.", TestQuery.CNAME, 1, 30, "www.google.com."));
    assertThat(r.addresses()).containsExactly("1.1.1.1");
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void aFamilyTheTargetLacksGetsNoDataWithoutTheCname(boolean tcp) {
    Reply r = f.ask(tcp, "www.google.com.ns1.svc.cluster.local.", TestQuery.AAAA);
    assertThat(r.rcode()).isZero();
    assertThat(r.answers()).isEmpty();
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void onlyTheFirstSearchDomainIsShortcutAndNonMeshExpansionsAreForwarded(boolean tcp) {
    assertThat(f.ask(tcp, "www.google.com.svc.cluster.local.", TestQuery.A).rcode()).isEqualTo(3);
    assertThat(f.ask(tcp, "www.bing.com.ns1.svc.cluster.local.", TestQuery.A).rcode()).isEqualTo(3);
    assertThat(f.upstream().count("www.google.com.svc.cluster.local.")).isPositive();
    assertThat(f.upstream().count("www.bing.com.ns1.svc.cluster.local.")).isPositive();
    // A name already in the first search domain is not expanded again.
    assertThat(f.ask(tcp, "productpage.ns1.svc.cluster.local.ns1.svc.cluster.local.", TestQuery.A).rcode()).isEqualTo(3);
  }
}
