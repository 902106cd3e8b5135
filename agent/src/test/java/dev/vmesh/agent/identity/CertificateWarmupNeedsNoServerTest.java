package dev.vmesh.agent.identity;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link CertificateWarmup}: everything it does (key, CSR, request message, TLS client hello, a TLS channel
 * built and dropped) works with no server and no name resolution, and its thread ends by itself.
 */
class CertificateWarmupNeedsNoServerTest {
  @Test
  void runsToTheEndWithoutAServer() {
    assertThatCode(CertificateWarmup::run).doesNotThrowAnyException();
  }

  @Test
  void itsThreadEnds() {
    Thread t = CertificateWarmup.start();
    await().atMost(Duration.ofSeconds(30)).until(() -> !t.isAlive());
  }
}
