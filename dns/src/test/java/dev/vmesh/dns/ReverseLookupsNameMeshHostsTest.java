package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.NameTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * PTR queries for the reverse names of the table's addresses are answered from the table with every
 * hostname that has the address (not wildcards, not derived short names); other reverse names go
 * upstream.
 */
class ReverseLookupsNameMeshHostsTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void anIpv4AddressNamesItsHostAuthoritatively(boolean tcp) {
    TestQuery q = TestQuery.of("9.9.9.9.in-addr.arpa.", TestQuery.PTR);
    Reply r = f.ask(tcp, q);
    assertThat(r.id()).isEqualTo(q.id);
    assertThat(r.rcode()).isZero();
    assertThat(r.aa()).isTrue();
    assertThat(r.tc()).isFalse();
    assertThat(r.answers()).containsExactly(
        new Reply.Rr("9.9.9.9.in-addr.arpa.", TestQuery.PTR, 1, 30, "productpage.ns1.svc.cluster.local."));
    assertThat(f.upstream().count("9.9.9.9.in-addr.arpa")).isZero();
  }

  @Test
  void anAddressSharedByHostsNamesEachInOrderButNoWildcard() {
    // 10.10.10.10 is example.ns2.svc.cluster.local and *.wildcard; 2.2.2.2 is dual.localhost and ipv4.localhost
    assertThat(ptrs(f.ask(false, "10.10.10.10.in-addr.arpa.", TestQuery.PTR))).containsExactly("example.ns2.svc.cluster.local.");
    assertThat(ptrs(f.ask(false, "2.2.2.2.in-addr.arpa.", TestQuery.PTR))).containsExactly("dual.localhost.", "ipv4.localhost.");
  }

  @Test
  void anIpv6AddressByItsNibbles() {
    String name = "9.2.3.8.2.4.0.0.0.0.f.f.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.";
    assertThat(ptrs(f.ask(true, name, TestQuery.PTR))).containsExactly("dual.localhost.", "ipv6.localhost.");
    assertThat(ptrs(f.ask(false, name.toUpperCase(Locale.ROOT), TestQuery.PTR)))
        .containsExactly("dual.localhost.", "ipv6.localhost.");
  }

  @Test
  void otherReverseNamesAndOtherTypesGoUpstream() {
    assertThat(f.ask(false, "8.8.8.8.in-addr.arpa.", TestQuery.PTR).rcode()).isEqualTo(3);
    assertThat(f.upstream().count("8.8.8.8.in-addr.arpa")).isEqualTo(1);
    f.ask(false, "9.9.9.9.in-addr.arpa.", TestQuery.TXT);
    assertThat(f.upstream().count("9.9.9.9.in-addr.arpa")).isEqualTo(1);
    // a reverse name is not a host: A for it is not answered from the table
    f.ask(false, "9.9.9.9.in-addr.arpa.", TestQuery.A);
    assertThat(f.upstream().count("9.9.9.9.in-addr.arpa")).isEqualTo(2);
  }

  @Test
  void manyHostsOnOneAddressAreTruncatedOverUdpAndWholeOverTcp() {
    try (ProxyFixture g = ProxyFixture.start(1, false, b -> {})) {
      Map<String, NameTable.NameInfo> table = new TreeMap<>();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        table.put("host-" + (100 + i) + ".shared.example", NameTable.NameInfo.external("7.7.7.7"));
        expected.add("host-" + (100 + i) + ".shared.example.");
      }
      g.proxy.updateTable(new NameTable(table)).join();
      Reply udp = g.ask(false, "7.7.7.7.in-addr.arpa.", TestQuery.PTR);
      assertThat(udp.tc()).isTrue();
      assertThat(udp.raw().length).isLessThanOrEqualTo(512);
      assertThat(ptrs(udp)).isNotEmpty().isEqualTo(expected.subList(0, ptrs(udp).size()));
      Reply tcp = g.ask(true, "7.7.7.7.in-addr.arpa.", TestQuery.PTR);
      assertThat(tcp.tc()).isFalse();
      assertThat(ptrs(tcp)).isEqualTo(expected);
    }
  }

  private static List<String> ptrs(Reply r) {
    return r.answers().stream().filter(a -> a.type() == TestQuery.PTR).map(Reply.Rr::data).toList();
  }
}
