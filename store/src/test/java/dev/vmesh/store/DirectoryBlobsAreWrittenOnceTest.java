package dev.vmesh.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob is created once: concurrent writers have one winner, whose value every reader sees whole. */
class DirectoryBlobsAreWrittenOnceTest {
  @TempDir
  Path dir;

  @Test
  void oneOfManyConcurrentWritersWinsAndTheValueIsTheWinners() throws Exception {
    Blobs blobs = new DirectoryBlobs(dir);
    int winner = BlobRace.oneWinner(8, i -> blobs, "ca/shared-root.pem",
        i -> ("writer " + i).repeat(1000).getBytes(StandardCharsets.UTF_8));
    assertThat(new String(blobs.get("ca/shared-root.pem").orElseThrow(), StandardCharsets.UTF_8))
        .isEqualTo(("writer " + winner).repeat(1000));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca/shared-root.pem"))))
        .isEqualTo("rw-------");
    assertThat(blobs.list("ca")).containsExactly("shared-root.pem"); // no temporary files left or listed
  }

  @Test
  void namesAreListedPerDirectoryAndMissingOnesAreEmpty() throws Exception {
    Blobs blobs = new DirectoryBlobs(dir);
    assertThat(blobs.get("tokens/ledger/a.json")).isEmpty();
    assertThat(blobs.list("tokens/ledger")).isEmpty();
    assertThat(blobs.putIfAbsent("tokens/ledger/b.json", new byte[] {1})).isTrue();
    assertThat(blobs.putIfAbsent("tokens/ledger/a.json", new byte[0])).isTrue();
    assertThat(blobs.putIfAbsent("tokens/ledger/a.json", new byte[] {2})).isFalse();
    assertThat(blobs.get("tokens/ledger/a.json")).hasValueSatisfying(v -> assertThat(v).isEmpty());
    assertThat(blobs.list("tokens/ledger")).containsExactly("a.json", "b.json");
    assertThat(blobs.list("")).containsExactly("tokens");
    assertThat(blobs.getAll("tokens/ledger")).containsOnlyKeys("a.json", "b.json")
        .hasEntrySatisfying("b.json", v -> assertThat(v).containsExactly(1));
    assertThat(blobs.getAll("tokens")).isEmpty(); // only what is directly under it
  }

  @Test
  void namesThatCouldEscapeTheRootAreRefused() {
    Blobs blobs = new DirectoryBlobs(dir);
    for (String bad : List.of("../x", "a/../../x", "/etc/passwd", "a//b", "", ".hidden", "a/.")) {
      assertThatThrownBy(() -> blobs.putIfAbsent(bad, new byte[0])).as(bad)
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a blob name");
    }
  }
}
