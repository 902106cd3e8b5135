package dev.vmesh.store.etcd;

import static dev.vmesh.store.Fixtures.CLOCK;
import static dev.vmesh.store.Fixtures.we;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.vmesh.store.EventRecorder;
import dev.vmesh.store.StoreException;
import dev.vmesh.store.Watch;
import dev.vmesh.store.WatchOptions;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd serving TLS only and asking clients for a certificate: the store works with the CA and a client
 * certificate, and says what is wrong without one, with a CA that did not sign etcd's certificate, or
 * with a file that is not there.
 */
@SuppressWarnings("try") // watches closed by try-with-resources, never referenced
class EtcdOverTlsNeedsTheRightCertificatesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  @RegisterExtension
  static EtcdServer etcd = new EtcdServer().withTls();

  @TempDir
  Path tmp;

  @Test
  void theCaAndAClientCertificateWork() {
    try (var s = EtcdConfigStore.connect(etcd.options(), CLOCK)) {
      var rec = new EventRecorder();
      try (Watch w = s.watch(WatchOptions.fromCurrentState(), rec)) {
        var a = s.create(we("a", "10.0.0.1"));
        assertThat(s.get(a.key())).contains(a);
        await().atMost(Duration.ofSeconds(10)).until(() -> rec.events.size() == 2);
        assertThat(rec.events).containsExactly("SYNCED", "ADDED a");
      }
      assertThat(s.describe()).startsWith("etcd:https://127.0.0.1:");
    }
  }

  @Test
  void withoutAClientCertificateOrWithAnotherCaItSaysWhy() throws Exception {
    TestCertificates certs = etcd.certificates();
    var noClientCert = etcd.options().withTls(new EtcdOptions.Tls(certs.ca, null, null)).withRequestTimeout(TIMEOUT);
    assertThatThrownBy(() -> EtcdConfigStore.connect(noClientCert, CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("TLS with etcd at " + etcd.endpoint() + " failed while connecting")
        .hasMessageContaining("--etcd-cert-file");

    TestCertificates strangers = new TestCertificates(tmp);
    var otherCa = etcd.options().withTls(new EtcdOptions.Tls(strangers.ca, certs.clientCert, certs.clientKey))
        .withRequestTimeout(TIMEOUT);
    assertThatThrownBy(() -> EtcdConfigStore.connect(otherCa, CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("TLS with etcd at " + etcd.endpoint() + " failed while connecting")
        .hasMessageContaining("--etcd-ca-file")
        .hasMessageNotContaining("Channel Pipeline");

    var missing = etcd.options().withTls(new EtcdOptions.Tls(tmp.resolve("nope.pem"), null, null));
    assertThatThrownBy(() -> EtcdConfigStore.connect(missing, CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("--etcd-ca-file " + tmp.resolve("nope.pem") + " does not exist or is not readable");

    var notAKey = etcd.options().withTls(new EtcdOptions.Tls(certs.ca, certs.clientCert, certs.ca));
    assertThatThrownBy(() -> EtcdConfigStore.connect(notAKey, CLOCK))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("cannot use the TLS files for etcd");
  }
}
