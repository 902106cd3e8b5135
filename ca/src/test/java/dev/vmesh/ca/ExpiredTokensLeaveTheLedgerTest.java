package dev.vmesh.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vmesh.store.Blobs;
import dev.vmesh.store.DirectoryBlobs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger does not grow forever: tokens that expired more than a day ago are dropped with their
 * markers, the others stay (with theirs), and a dropped token is still refused, for its expiry. A
 * revoked token is never dropped: certificates descending from it must stay refused.
 */
class ExpiredTokensLeaveTheLedgerTest {
  @TempDir
  Path dir;

  /** A clock that moves when told. */
  static final class Moving extends Clock {
    Instant now = Instant.parse("2026-11-26T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void tokensExpiredLongAgoAreDroppedWithTheirMarkersAndStayRefused() throws Exception {
    Moving clock = new Moving();
    Blobs blobs = new DirectoryBlobs(dir);
    BootstrapTokens tokens = BootstrapTokens.openShared(blobs, Sealer.of(
        "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII)), clock);
    var shortLived = tokens.issue("ns1", "sa1", Duration.ofHours(1), true);
    tokens.spend(tokens.verify(shortLived.jwt()));
    var revoked = tokens.issue("ns1", "sa1", Duration.ofHours(2), false);
    tokens.ledger().revoke(revoked.id());
    var longLived = tokens.issue("ns1", "sa1", Duration.ofDays(7), true);
    tokens.spend(tokens.verify(longLived.jwt()));

    clock.now = clock.now.plus(Duration.ofHours(20)); // both short ones expired, but less than a day ago
    assertThat(tokens.pruneExpired()).isZero();
    assertThat(tokens.ledger().list()).hasSize(3);

    clock.now = clock.now.plus(Duration.ofHours(7)); // now more than a day after the first two expired
    assertThat(tokens.pruneExpired()).isEqualTo(1);
    assertThat(tokens.ledger().list()).extracting(TokenLedger.Issued::id, TokenLedger.Issued::used,
        TokenLedger.Issued::revoked).containsExactly(org.assertj.core.groups.Tuple.tuple(revoked.id(), false, true),
            org.assertj.core.groups.Tuple.tuple(longLived.id(), true, false));
    assertThat(blobs.list("tokens/ledger")).noneMatch(n -> n.startsWith(shortLived.id()));
    assertThat(tokens.ledger().isRevoked(revoked.id())).isTrue();
    assertThatThrownBy(() -> tokens.verify(shortLived.jwt())).hasMessageContaining("expired");
    assertThatThrownBy(() -> tokens.spend(tokens.verify(longLived.jwt()))).hasMessageContaining("already used");
    assertThat(tokens.pruneExpired()).isZero();
  }
}
