package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Istio #31250: a known host asked for a family it lacks is NOERROR with no answers, not NXDOMAIN. */
class KnownHostWithoutThatFamilyGetsNoDataTest {
  @RegisterExtension
  static final ProxyFixture f = ProxyFixture.start();

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void ipv4OnlyHostAskedAaaa(boolean tcp) {
    Reply r = f.ask(tcp, "ipv4.localhost.", TestQuery.AAAA);
    assertThat(r.rcode()).isZero();
    assertThat(r.aa()).isTrue();
    assertThat(r.answers()).isEmpty();
    assertThat(r.authority()).isEmpty();
    assertThat(f.upstream().count("ipv4.localhost.")).isZero();
  }

  @ParameterizedTest(name = "tcp={0}")
  @ValueSource(booleans = {false, true})
  void ipv6OnlyHostAskedA(boolean tcp) {
    Reply r = f.ask(tcp, "ipv6.localhost.", TestQuery.A);
    assertThat(r.rcode()).isZero();
    assertThat(r.answers()).isEmpty();
  }
}
