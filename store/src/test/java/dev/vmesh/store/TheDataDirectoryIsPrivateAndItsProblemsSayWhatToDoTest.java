package dev.vmesh.store;

import static dev.vmesh.store.Fixtures.CLOCK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TheDataDirectoryIsPrivateAndItsProblemsSayWhatToDoTest {
  @TempDir
  Path tmp;

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aNewDataDirectoryAndTheStoreFilesAreTheOwnersAlone() throws IOException {
    Path data = tmp.resolve("a/b/data");
    try (var store = ConfigStores.durable(data, CLOCK)) {
      store.create(Fixtures.we("vm1", "10.0.0.1"));
      assertThat(mode(data)).isEqualTo("rwx------");
      for (String f : new String[] {"store.db", "store.db-wal", "store.db-shm", "store.lock"}) {
        assertThat(mode(data.resolve(f))).as(f).isEqualTo("rw-------");
      }
    }
  }

  @Test
  void anExistingDataDirectoryOthersCanReadIsMadePrivateAndSoIsItsStore() throws IOException {
    Path data = Files.createDirectories(tmp.resolve("data"));
    try (var store = ConfigStores.durable(data, CLOCK)) {
      store.create(Fixtures.we("vm1", "10.0.0.1"));
    }
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x")); // as older versions left it
    Files.setPosixFilePermissions(data.resolve("store.db"), PosixFilePermissions.fromString("rw-r--r--"));
    try (var store = ConfigStores.durable(data, CLOCK)) {
      assertThat(store.size()).isEqualTo(1);
      assertThat(mode(data)).isEqualTo("rwx------");
      assertThat(mode(data.resolve("store.db"))).isEqualTo("rw-------");
    }
  }

  @Test
  void aFileWhereTheDirectoryShouldBeIsNamedWithTheFix() throws IOException {
    Path file = Files.writeString(tmp.resolve("data"), "oops");
    assertThatThrownBy(() -> DataDirectory.prepare(file)).isInstanceOf(IOException.class)
        .hasMessage("data directory " + file + ": not a directory (it is a file); remove the file or choose another "
            + "--data-dir");
    assertThatThrownBy(() -> DataDirectory.prepare(file.resolve("below"))).isInstanceOf(IOException.class)
        .hasMessage("data directory " + file.resolve("below") + ": " + file + " is not a directory; remove it or choose "
            + "another --data-dir");
    assertThatThrownBy(() -> ConfigStores.durable(file, CLOCK)).isInstanceOf(StoreException.Unavailable.class)
        .hasMessageContaining("not a directory (it is a file)");
  }

  @Test
  void aMissingOrEmptyStoreIsRefusedWhenItShouldExistAndAllowedOtherwise() throws IOException {
    Path data = tmp.resolve("data");
    String because = "the CA in " + data.resolve("ca") + " shows that this server has run here before";
    assertThatThrownBy(() -> ConfigStores.durable(data, CLOCK, LocalConfigStore.Options.DEFAULTS, because))
        .isInstanceOf(StoreException.Unavailable.class)
        .hasMessage("refusing to start with an empty store: " + data.resolve("store.db") + " is missing, but " + because
            + ", so the objects it held (ServiceEntries, WorkloadEntries, WorkloadGroups and their status) would be "
            + "lost. Restore " + data.resolve("store.db") + " (and store.db-wal, if there is one) from a backup; or, to "
            + "start over with an empty store, start once with --allow-empty-store");
    try (var store = ConfigStores.durable(data, CLOCK)) {
      store.create(Fixtures.we("vm1", "10.0.0.1"));
    }
    try (var store = ConfigStores.durable(data, CLOCK, LocalConfigStore.Options.DEFAULTS, because)) {
      assertThat(store.size()).as("an existing store opens").isEqualTo(1);
    }
    for (String f : new String[] {"store.db", "store.db-wal", "store.db-shm"}) {
      Files.deleteIfExists(data.resolve(f));
    }
    Files.createFile(data.resolve("store.db")); // truncated to 0 bytes
    assertThatThrownBy(() -> ConfigStores.durable(data, CLOCK, LocalConfigStore.Options.DEFAULTS, because))
        .hasMessageContaining("store.db is empty (0 bytes), but " + because);
    try (var store = ConfigStores.durable(data, CLOCK)) {
      assertThat(store.size()).as("allowed: starts empty").isZero();
    }
  }
}
