package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Upstreams and search list from resolv.conf, as glibc reads them, plus an optional port. */
class ResolvConfTest {
  @Test
  void nameserversSearchAndOptions() {
    ResolvConf c = ResolvConf.parse("resolv.conf", """
        # written by something
        nameserver 10.96.0.10
        nameserver fd00::10
        ; another comment
        search NS1.svc.cluster.local svc.cluster.local. cluster.local
        options ndots:5 timeout:2
        """);
    assertThat(c.nameservers()).containsExactly(new InetSocketAddress("10.96.0.10", 53),
        new InetSocketAddress("fd00::10", 53));
    assertThat(c.search()).containsExactly("ns1.svc.cluster.local", "svc.cluster.local", "cluster.local");
    assertThat(c.hasIpv4Nameserver()).isTrue();
    assertThat(c.hasIpv6Nameserver()).isTrue();
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void theLastSearchOrDomainLineWins() {
    assertThat(ResolvConf.parse("r", "search a.example b.example\ndomain c.example\n").search())
        .containsExactly("c.example");
    assertThat(ResolvConf.parse("r", "domain c.example\nsearch a.example b.example\n").search())
        .containsExactly("a.example", "b.example");
  }

  @Test
  void portsAreAcceptedAndNamesAreNotLookedUp() {
    ResolvConf c = ResolvConf.parse("r", """
        nameserver 127.0.0.1:5353
        nameserver [::1]:5354
        nameserver dns.example.com
        nameserver 10.0.0.1:99999
        """);
    assertThat(c.nameservers()).containsExactly(new InetSocketAddress("127.0.0.1", 5353),
        new InetSocketAddress("::1", 5354));
    assertThat(c.warnings()).hasSize(2).allSatisfy(w -> assertThat(w).startsWith("r:").contains("ignoring"));
  }

  @Test
  void defaultListenFollowsTheUpstreamFamilies() {
    assertThat(DnsProxyConfig.defaultListen(List.of(new InetSocketAddress("10.0.0.1", 53)), 15053))
        .extracting(a -> a.getAddress().getHostAddress() + ":" + a.getPort()).containsExactly("127.0.0.1:15053");
    assertThat(DnsProxyConfig.defaultListen(List.of(new InetSocketAddress("fd00::1", 53)), 15053))
        .extracting(a -> a.getAddress().getHostAddress()).containsExactly("0:0:0:0:0:0:0:1");
    assertThat(DnsProxyConfig.defaultListen(List.of(new InetSocketAddress("10.0.0.1", 53),
        new InetSocketAddress("fd00::1", 53)), 15053)).hasSize(2);
    assertThat(DnsProxyConfig.defaultListen(List.of(), 15053)).hasSize(1);
  }

  @Test
  void theProxysOwnAddressIsNeverAnUpstream() {
    InetSocketAddress self = new InetSocketAddress("127.0.0.1", 15053);
    InetSocketAddress other = new InetSocketAddress("127.0.0.1", 5353);
    DnsProxyConfig c = DnsProxy.builder().listen(List.of(self)).upstreams(List.of(self, other))
        .searchDomains(List.of()).config();
    assertThat(c.upstreams()).containsExactly(other);
  }
}
