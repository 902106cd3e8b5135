package dev.vmesh.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The drop-in's content (no systemd-resolved runs here to load it; the text follows resolved.conf(5)). */
class ResolvedDropInTest {
  @Test
  void routesOnlyTheMeshDomainsToTheProxy() {
    List<String> domains = ResolvedDropIn.domains(List.of("web.vm.example.com", "db.vm.example.com",
        "api.vm.example.com", "svc1.internal.com", "*.wildcard", "*.apps.example.net", "single",
        "reviews.default.svc.cluster.local"), "cluster.local");
    assertThat(domains).containsExactly("apps.example.net", "cluster.local", "internal.com", "vm.example.com",
        "wildcard");
    assertThat(ResolvedDropIn.text(new InetSocketAddress("127.0.0.1", 15053), domains)).isEqualTo("""
        # Written by 'vmesh agent resolved': mesh names go to the vmesh DNS proxy,
        # everything else to the usual servers. Remove with 'vmesh agent resolved --remove'.
        [Resolve]
        DNS=127.0.0.1:15053
        Domains=~apps.example.net ~cluster.local ~internal.com ~vm.example.com ~wildcard
        """);
    assertThat(ResolvedDropIn.text(new InetSocketAddress("::1", 15053), List.of("x.org"))).contains("DNS=[::1]:15053");
    assertThatThrownBy(() -> ResolvedDropIn.text(new InetSocketAddress("127.0.0.1", 15053), List.of()))
        .hasMessageContaining("--domains");
  }

  @Test
  void aShorterDomainCoversLongerOnes() {
    assertThat(ResolvedDropIn.domains(List.of("a.b.example.com", "c.example.com"), "")).containsExactly("example.com");
  }
}
