package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.pki.KeyPairs;
import dev.vmesh.store.Blobs;
import dev.vmesh.store.DirectoryBlobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas that share a store (here a directory of blobs, as on etcd) must agree on one CA and one
 * token signing key even when they all start at once, keep the private keys sealed in the store, and
 * see each other's token uses and revocations.
 */
class ReplicasShareOneCaAndOneTokenLedgerTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T00:00:00Z"), ZoneOffset.UTC);
  private static final byte[] KEY = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path dir;

  @Test
  void replicasStartingTogetherAgreeOnOneRootWhoseKeyIsSealed() throws Exception {
    Blobs blobs = new DirectoryBlobs(dir);
    List<CertificateAuthority> cas = race(8, () -> CertificateAuthority.loadOrCreateShared(blobs, Sealer.of(KEY),
        "cluster.local", CertificateAuthority.KeyType.EC_P256, CLOCK));
    Set<X509Certificate> roots = new HashSet<>();
    cas.forEach(ca -> roots.addAll(ca.roots()));
    assertThat(roots).hasSize(1);
    // A leaf from one replica verifies against the root another replica loaded.
    var leaf = cas.get(0).issue(KeyPairs.ecP256().getPublic(), new CertificateAuthority.LeafSpec(
        List.of("spiffe://cluster.local/ns/ns1/sa/sa1"), List.of(), List.of(), Duration.ofHours(1)));
    leaf.get(0).verify(cas.get(7).roots().get(0).getPublicKey());

    String stored = new String(blobs.get("ca/shared-root.pem").orElseThrow(), StandardCharsets.UTF_8);
    assertThat(stored).doesNotContain("PRIVATE KEY").startsWith("vmesh-sealed v1.").contains("BEGIN CERTIFICATE");
  }

  @Test
  void aReplicaWithAnotherSecretsKeyIsToldSoAndNothingIsOverwritten() throws Exception {
    Blobs blobs = new DirectoryBlobs(dir);
    CertificateAuthority.loadOrCreateShared(blobs, Sealer.of(KEY), "cluster.local",
        CertificateAuthority.KeyType.EC_P256, CLOCK);
    byte[] before = blobs.get("ca/shared-root.pem").orElseThrow();
    byte[] other = KEY.clone();
    other[0] ^= 1;
    assertThatThrownBy(() -> CertificateAuthority.loadOrCreateShared(blobs, Sealer.of(other), "cluster.local",
        CertificateAuthority.KeyType.EC_P256, CLOCK))
        .hasMessageContaining("ca/shared-root.pem does not open with the secrets key")
        .hasMessageContaining("every replica needs the same secrets key file");
    assertThat(blobs.get("ca/shared-root.pem").orElseThrow()).isEqualTo(before);
  }

  @Test
  void aChangedOrMovedSealedValueDoesNotOpen() throws Exception {
    Sealer sealer = Sealer.of(KEY);
    String sealed = sealer.seal("ca/shared-root.pem", "secret".getBytes(StandardCharsets.UTF_8));
    assertThat(new String(sealer.open("ca/shared-root.pem", sealed), StandardCharsets.UTF_8)).isEqualTo("secret");
    assertThatThrownBy(() -> sealer.open("tokens/shared-signing-key.pem", sealed)).hasMessageContaining("does not open");
    char[] c = sealed.toCharArray();
    c[c.length - 5] = c[c.length - 5] == 'A' ? 'B' : 'A';
    assertThatThrownBy(() -> sealer.open("ca/shared-root.pem", new String(c))).hasMessageContaining("does not open");
    assertThatThrownBy(() -> sealer.open("ca/shared-root.pem", "v1.AAAA")).hasMessageContaining("too short");
    assertThatThrownBy(() -> sealer.open("ca/shared-root.pem", "v0.AAAA")).hasMessageContaining("expected it to start");
  }

  @Test
  void aTokenIssuedThroughOneReplicaWorksOnAnotherAndIsSpentOnce() throws Exception {
    Blobs blobs = new DirectoryBlobs(dir);
    List<BootstrapTokens> replicas = race(4, () -> BootstrapTokens.openShared(blobs, Sealer.of(KEY), CLOCK));
    BootstrapTokens a = replicas.get(0);
    BootstrapTokens b = replicas.get(3);
    var once = a.issue("ns1", "sa1", Duration.ofHours(1), true);
    var claim = b.verify(once.jwt());
    assertThat(claim.namespace()).isEqualTo("ns1");
    assertThat(claim.serviceAccount()).isEqualTo("sa1");
    b.spend(claim);
    assertThatThrownBy(() -> a.spend(a.verify(once.jwt()))).hasMessageContaining("already used");

    var revoked = b.issue("ns1", "sa1", Duration.ofHours(1), false);
    assertThat(a.ledger().revoke(revoked.id())).isTrue();
    assertThatThrownBy(() -> b.verify(revoked.jwt())).hasMessageContaining("revoked");
    assertThat(b.ledger().list()).extracting(TokenLedger.Issued::id, TokenLedger.Issued::used, TokenLedger.Issued::revoked)
        .containsExactlyInAnyOrder(Tuple.tuple(once.id(), true, false),
            Tuple.tuple(revoked.id(), false, true));
    assertThat(new String(blobs.get("tokens/shared-signing-key.pem").orElseThrow(), StandardCharsets.UTF_8))
        .doesNotContain("PRIVATE KEY");
  }

  @Test
  void theSecretsKeyFileIsCheckedWithAClearError() throws Exception {
    Path missing = dir.resolve("missing.key");
    assertThatThrownBy(() -> Sealer.fromFile(missing)).hasMessageContaining(missing + ": no such file")
        .hasMessageContaining("head -c 32 /dev/urandom | base64 > " + missing);
    Path notBase64 = Files.writeString(dir.resolve("bad.key"), "not base64!\n");
    assertThatThrownBy(() -> Sealer.fromFile(notBase64)).hasMessageContaining(notBase64 + ": line 1: not base64");
    Path shortKey = Files.writeString(dir.resolve("short.key"), Base64.getEncoder().encodeToString(new byte[16]));
    assertThatThrownBy(() -> Sealer.fromFile(shortKey)).hasMessageContaining("the key is 16 bytes, expected 32");
    Path good = Files.writeString(dir.resolve("good.key"), Base64.getEncoder().encodeToString(KEY) + "\n");
    assertThat(Sealer.fromFile(good).fingerprint()).isEqualTo(Sealer.of(KEY).fingerprint()).hasSize(12);
  }

  /** Runs {@code n} copies of {@code task} released at the same moment; their results. */
  private static <T> List<T> race(int n, Callable<T> task) throws Exception {
    CyclicBarrier start = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          return task.call();
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
