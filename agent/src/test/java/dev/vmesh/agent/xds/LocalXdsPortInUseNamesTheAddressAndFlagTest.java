package dev.vmesh.agent.xds;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class LocalXdsPortInUseNamesTheAddressAndFlagTest {
  @Test
  void aTakenLoopbackPortIsReportedWithTheFlagThatMovesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        FakeAds ads = new FakeAds("in-use-" + System.nanoTime())) {
      LocalXdsProxy proxy = new LocalXdsProxy(ads, "vm");
      try {
        assertThatThrownBy(() -> proxy.start(null, new InetSocketAddress("127.0.0.1", taken.getLocalPort())))
            .isInstanceOf(BindException.class)
            .hasMessageContaining("cannot listen on 127.0.0.1:" + taken.getLocalPort() + " for local xDS")
            .hasMessageContaining("already in use")
            .hasMessageContaining("--local-xds-address HOST:PORT")
            .hasMessageContaining("--local-xds-address off");
      } finally {
        proxy.close();
      }
    }
  }
}
