package dev.vmesh.store.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.store.BlobRace;
import dev.vmesh.store.Fixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared values on a real etcd: of replicas racing to store one name exactly one wins, names are
 * listed and read per directory under the store's prefix, and a stored value is never replaced.
 */
class BlobsOnEtcdAreWrittenOnceTest {
  @RegisterExtension
  static EtcdServer etcd = new EtcdServer();

  @Test
  void oneWriterWinsAndNamesListPerDirectory() throws Exception {
    EtcdOptions options = etcd.options(); // one prefix for both replicas
    try (var a = EtcdConfigStore.connect(options, Fixtures.CLOCK);
        var b = EtcdConfigStore.connect(options, Fixtures.CLOCK)) {
      EtcdBlobs[] replicas = {new EtcdBlobs(a), new EtcdBlobs(b)};
      int winner = BlobRace.oneWinner(8, i -> replicas[i % 2], "ca/shared-root.pem",
          i -> ("replica " + i).getBytes(StandardCharsets.UTF_8));
      assertThat(new String(replicas[1].get("ca/shared-root.pem").orElseThrow(), StandardCharsets.UTF_8))
          .isEqualTo("replica " + winner);

      EtcdBlobs blobs = replicas[0];
      assertThat(blobs.putIfAbsent("tokens/ledger/a.json", new byte[] {1})).isTrue();
      assertThat(blobs.putIfAbsent("tokens/ledger/b.used", new byte[0])).isTrue();
      assertThat(blobs.list("tokens/ledger")).containsExactly("a.json", "b.used");
      assertThat(blobs.list("")).containsExactly("ca", "tokens");
      assertThat(replicas[1].getAll("tokens/ledger")).containsOnlyKeys("a.json", "b.used")
          .hasEntrySatisfying("a.json", v -> assertThat(v).containsExactly(1));
      assertThat(blobs.getAll("tokens")).isEmpty(); // only what is directly under it
      assertThat(blobs.putIfAbsent("tokens/ledger/a.json", new byte[] {2})).isFalse();
    }
  }
}
