package dev.vmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A taken address stops the server with the address, what was to listen there and the flag that moves it;
 * every listener can also be off (null).
 */
class EveryServerListenerNamesItsAddressAndFlagOrCanBeOffTest {
  @TempDir
  Path tmp;

  ServerOptions with(InetSocketAddress http, InetSocketAddress plaintext, InetSocketAddress tls) {
    ServerOptions o = ServerOptions.local(tmp.resolve("data"), null);
    return new ServerOptions(o.dataDir(), o.configDir(), http, plaintext, tls, o.serverNames(), o.caDir(),
        o.caKeyType(), o.registry(), o.xds(), o.autoRegistration(), o.configPollInterval(), o.store(),
        o.secretsKeyFile(), o.tokenReviewer(), o.httpLimits());
  }

  static InetSocketAddress free() {
    return new InetSocketAddress("127.0.0.1", 0);
  }

  @Test
  void theHttpPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var at = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
      assertThatThrownBy(() -> VmeshServer.start(with(at, free(), free()), Clock.systemUTC()))
          .isInstanceOf(BindException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for HTTP (15014")
          .hasMessageContaining("already in use")
          .hasMessageContaining("--http-address HOST:PORT (or --http-address off");
    }
  }

  @Test
  void theTlsXdsPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var at = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
      assertThatThrownBy(() -> VmeshServer.start(with(free(), free(), at), Clock.systemUTC()))
          .isInstanceOf(BindException.class)
          .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort()
              + " for xDS and the CA over TLS (15012)")
          .hasMessageContaining("--xds-address HOST:PORT (or --xds-address off");
    }
  }

  @Test
  void thePlaintextXdsPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var at = new InetSocketAddress("127.0.0.1", taken.getLocalPort());
      assertThatThrownBy(() -> VmeshServer.start(with(free(), at, free()), Clock.systemUTC()))
          .isInstanceOf(BindException.class)
          .hasMessageContaining("for plaintext xDS (15010)")
          .hasMessageContaining("--xds-plaintext-address HOST:PORT");
    }
  }

  @Test
  void anAddressThatIsNotThisMachinesIsSaidSo() throws Exception {
    var at = new InetSocketAddress("192.0.2.77", 15014); // TEST-NET-1, never local
    assertThatThrownBy(() -> VmeshServer.start(with(at, null, null), Clock.systemUTC()))
        .isInstanceOf(BindException.class)
        .hasMessageContaining("cannot listen on 192.0.2.77:15014 for HTTP")
        .hasMessageContaining("not an address of this machine");
  }

  @Test
  void withEveryListenerOffTheServerStillRuns() throws Exception {
    try (VmeshServer s = VmeshServer.start(with(null, null, null), Clock.systemUTC())) {
      assertThat(s.awaitReady(30, TimeUnit.SECONDS)).isTrue();
      assertThat(s.httpAddress()).isNull();
    }
  }
}
