package dev.vmesh.controlplane.autoregistration;

import static dev.vmesh.controlplane.autoregistration.Fixture.GROUP_A;
import static dev.vmesh.controlplane.autoregistration.Fixture.proxy;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.WellKnown;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A server that stops marks its VMs disconnected; when it (or another replica) starts again, its sweep
 * at start must not remove them before they could reconnect: a disconnect from before the server
 * began serving gets its grace period from then.
 */
class ARestartedServersVmsGetAGracePeriodToComeBackTest {
  static final String ENTRY = "wg-a-1.2.3.4-nw1";

  @Test
  void theSweepAtStartKeepsEntriesDisconnectedWhileTheServerWasDownForAGracePeriod() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c); // the server stops: its streams end
      f.pilot1.close();
      f.pilot2.close();
      f.advance(Duration.ofSeconds(30)); // down for longer than the 10 s grace period

      var restarted = new AutoRegistrationController(f.store, AutoRegistrationOptions.defaults("pilot-1",
          "cluster.local"), f.time, f.time, rv -> { });
      restarted.start();
      f.advance(Duration.ofSeconds(2)); // opening the store, the CA, the ports
      restarted.servingSince(f.time.instant());
      restarted.sweep(); // what the leader does at once
      assertThat(f.entry(ENTRY)).isPresent();
      f.advance(Duration.ofSeconds(9));
      restarted.sweep();
      assertThat(f.entry(ENTRY)).isPresent();

      f.connect(restarted, proxy("1.2.3.4", "nw1")); // the VM is back within the grace period
      f.advance(Duration.ofMinutes(5));
      restarted.sweep();
      assertThat(f.annotation(ENTRY, WellKnown.CONNECTED_AT)).isNotNull();
      restarted.close();
    }
  }

  @Test
  void aVmThatDoesNotComeBackIsRemovedOneGracePeriodAfterTheServerStarted() {
    try (Fixture f = new Fixture()) {
      f.apply(GROUP_A);
      String c = f.connect(f.pilot1, proxy("1.2.3.4", "nw1"));
      f.pilot1.onDisconnect(proxy("1.2.3.4", "nw1"), c);
      f.pilot1.close();
      f.pilot2.close();
      f.advance(Duration.ofMinutes(10));

      var restarted = new AutoRegistrationController(f.store, AutoRegistrationOptions.defaults("pilot-1",
          "cluster.local"), f.time, f.time, rv -> { });
      restarted.start();
      restarted.servingSince(f.time.instant());
      f.advance(Duration.ofSeconds(10));
      restarted.sweep();
      f.advance(Duration.ZERO); // the cleanup runs on the timer
      assertThat(f.entry(ENTRY)).isEmpty();
      restarted.close();
    }
  }
}
