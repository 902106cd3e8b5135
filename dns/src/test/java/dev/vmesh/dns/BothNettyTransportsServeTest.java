package dev.vmesh.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.netty.channel.epoll.Epoll;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Native epoll when present, NIO otherwise (or when asked); both serve the same; [::1] too. UDP
 * listeners are threads of their own whatever the transport, batched (recvmmsg) on Linux unless NIO
 * is asked for; closing the proxy ends them.
 */
class BothNettyTransportsServeTest {
  @ParameterizedTest(name = "preferNative={0}")
  @ValueSource(booleans = {false, true})
  void tableAnswersAndForwardingOverUdpAndTcp(boolean preferNative) {
    try (ProxyFixture f = ProxyFixture.start(1, true, b -> b.preferNativeTransport(preferNative))) {
      assertThat(f.proxy.transport()).isEqualTo(preferNative && Epoll.isAvailable() ? "epoll" : "nio");
      boolean batching = System.getProperty("os.name").equals("Linux") && Runtime.version().feature() >= 22;
      assertThat(f.proxy.udpKind()).isEqualTo(preferNative && batching ? "recvmmsg" : "channel");
      for (boolean tcp : new boolean[] {false, true}) {
        assertThat(f.ask(tcp, "productpage.", TestQuery.A).addresses()).containsExactly("9.9.9.9");
        assertThat(f.ask(tcp, "www.bing.com.", TestQuery.A).addresses()).containsExactly("1.1.1.1");
      }
    }
  }

  @ParameterizedTest(name = "preferNative={0}")
  @ValueSource(booleans = {false, true})
  void severalUdpListenersShareThePortAndAllAnswer(boolean preferNative) {
    try (ProxyFixture f = ProxyFixture.start(1, true, b -> b.ioThreads(3).preferNativeTransport(preferNative))) {
      assertThat(udpThreads()).hasSize(3);
      // The kernel spreads UDP clients over the three sockets by source port: many clients reach all.
      for (int client = 0; client < 60; client++) {
        assertThat(f.ask(false, "productpage.", TestQuery.A).addresses()).containsExactly("9.9.9.9");
        assertThat(f.ask(false, "www.bing.com.", TestQuery.A).addresses()).containsExactly("1.1.1.1");
      }
      assertThat(f.ask(true, "www.bing.com.", TestQuery.A).addresses()).containsExactly("1.1.1.1");
    }
  }

  @Test
  void closingTheProxyEndsItsUdpThreadsAndFreesThePort() throws Exception {
    InetSocketAddress address;
    try (ProxyFixture f = ProxyFixture.start(1, true, b -> b.ioThreads(2))) {
      address = f.address();
      assertThat(f.ask(false, "productpage.", TestQuery.A).addresses()).containsExactly("9.9.9.9");
      assertThat(udpThreads()).hasSize(2);
    }
    assertThat(udpThreads()).isEmpty();
    try (DatagramSocket again = new DatagramSocket(address)) {
      assertThat(again.getLocalPort()).isEqualTo(address.getPort());
    }
  }

  private static List<Thread> udpThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("vmesh-dns-udp")).toList();
  }

  @Test
  void theNativeTransportIsUsedOnLinux() {
    assumeThat(System.getProperty("os.name")).isEqualTo("Linux");
    assertThat(Epoll.isAvailable()).as("netty-transport-native-epoll loads: %s", Epoll.unavailabilityCause()).isTrue();
  }

  @ParameterizedTest(name = "preferNative={0}")
  @ValueSource(booleans = {false, true})
  void ipv6LoopbackListenerWhenAnUpstreamIsIpv6(boolean preferNative) throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    assumeThat(NetworkInterface.getByInetAddress(v6)).as("::1 configured").isNotNull();
    try (FakeUpstream up = FakeUpstream.start().answer("www.bing.com", "1.1.1.1");
        ProxyFixture f = ProxyFixture.start(0, true, b -> b.preferNativeTransport(preferNative)
            .listen(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), new InetSocketAddress(v6, 0)))
            .upstreams(List.of(up.address())))) {
      List<InetSocketAddress> bound = f.proxy.listenAddresses();
      assertThat(bound).hasSize(2);
      assertThat(bound.get(1).getPort()).isEqualTo(bound.get(0).getPort());
      for (boolean tcp : new boolean[] {false, true}) {
        Reply r = Reply.parse(DnsClient.ask(tcp, bound.get(1), TestQuery.of("ipv6.localhost.", TestQuery.AAAA).bytes()));
        assertThat(r.addresses()).containsExactly("2001:db8:0:0:0:ff00:42:8329");
        Reply fwd = Reply.parse(DnsClient.ask(tcp, bound.get(1), TestQuery.of("www.bing.com.", TestQuery.A).bytes()));
        assertThat(fwd.addresses()).containsExactly("1.1.1.1");
      }
    }
  }
}
