package dev.vmesh.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code StoreFiles} are the embedded store's files in its data directory, held for one server: the
 * lock ({@code store.lock}) that keeps a second server off the directory, and {@code store.db}, created
 * with mode 0600 (SQLite gives its WAL and shared-memory files the same mode) or, if it exists, made
 * private along with its companions.
 */
final class StoreFiles {
  private static final Logger LOG = LoggerFactory.getLogger(StoreFiles.class);

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private StoreFiles(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock and prepares {@code dbFile}; unless {@code mustExistBecause} is null, refuses a
   * missing or empty {@code dbFile} with that reason. Throws {@link StoreException.Unavailable}.
   */
  static StoreFiles lock(Path dir, Path dbFile, String mustExistBecause) {
    FileChannel channel;
    FileLock lock;
    try {
      channel = FileChannel.open(dir.resolve("store.lock"), Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(DataDirectory.PRIVATE_FILE));
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
    } catch (IOException e) {
      throw new StoreException.Unavailable("cannot lock the store in " + dir + ": " + e, e);
    }
    StoreFiles files = new StoreFiles(dir, channel, lock);
    if (lock == null) {
      files.unlock();
      throw new StoreException.Unavailable("data directory " + dir + " is in use by another vmesh server; "
          + "stop it or choose another --data-dir", null);
    }
    try {
      files.prepare(dbFile, mustExistBecause);
      return files;
    } catch (IOException | RuntimeException e) {
      files.unlock();
      throw e instanceof StoreException se ? se
          : new StoreException.Unavailable("cannot open the store in " + dir + ": " + e, e);
    }
  }

  private void prepare(Path dbFile, String mustExistBecause) throws IOException {
    boolean missing = !Files.exists(dbFile);
    if ((missing || Files.size(dbFile) == 0) && mustExistBecause != null) {
      throw new StoreException.Unavailable("refusing to start with an empty store: " + dbFile
          + (missing ? " is missing" : " is empty (0 bytes)") + ", but " + mustExistBecause + ", so the objects it "
          + "held (ServiceEntries, WorkloadEntries, WorkloadGroups and their status) would be lost. Restore " + dbFile
          + " (and store.db-wal, if there is one) from a backup; or, to start over with an empty store, start once "
          + "with --allow-empty-store", null);
    }
    if (missing) {
      Files.createFile(dbFile, PosixFilePermissions.asFileAttribute(DataDirectory.PRIVATE_FILE));
    }
    for (String f : new String[] {"store.db", "store.db-wal", "store.db-shm", "store.lock"}) {
      DataDirectory.makePrivate(dir.resolve(f));
    }
  }

  /** Releases the lock. */
  void unlock() {
    try {
      if (lock != null) {
        lock.release();
      }
      channel.close();
    } catch (IOException e) {
      LOG.warn("event=store_unlock_failed dir={} error={}", dir, e.toString());
    }
  }
}
