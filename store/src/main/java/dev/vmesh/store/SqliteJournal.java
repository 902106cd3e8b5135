package dev.vmesh.store;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.DecodeException;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code SqliteJournal} keeps a store's objects and recent change history in one SQLite database
 * ({@code store.db} in the data directory), in WAL mode with {@code synchronous=FULL}: the changes of
 * one {@link #append} are one transaction, on disk before it returns (one fsync however many changes:
 * the store hands over all writes that queued up meanwhile, see {@link LocalConfigStore}), and a
 * process killed at any moment reopens with every acknowledged change and no partial one. A lock file keeps a second server off the same directory.
 */
public final class SqliteJournal implements Journal {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteJournal.class);
  private static final int SCHEMA_VERSION = 1;
  /** How often (in appends) old history rows are trimmed. */
  private static final int TRIM_EVERY = 1000;

  private final Path dbFile;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Connection db;
  private final PreparedStatement upsert;
  private final PreparedStatement remove;
  private final PreparedStatement addEvent;
  private final PreparedStatement setRevision;
  private final PreparedStatement trim;
  private int historyLimit = LocalConfigStore.Options.DEFAULTS.historyLimit();
  private long appendsSinceTrim;

  private SqliteJournal(Path dir) throws IOException, SQLException {
    this.dbFile = dir.resolve("store.db");
    this.lockChannel = FileChannel.open(dir.resolve("store.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new StoreException.Unavailable("data directory " + dir + " is in use by another vmesh server; "
          + "stop it or choose another --data-dir", null);
    }
    this.lock = l;
    this.db = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
      try (ResultSet rs = s.executeQuery("PRAGMA quick_check")) {
        String result = rs.next() ? rs.getString(1) : "no answer";
        if (!"ok".equals(result)) {
          throw new SQLException("integrity check failed: " + result);
        }
      }
      s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, namespace TEXT NOT NULL, "
          + "name TEXT NOT NULL, revision INTEGER NOT NULL, body TEXT NOT NULL, "
          + "PRIMARY KEY (kind, namespace, name)) WITHOUT ROWID");
      s.execute("CREATE TABLE IF NOT EXISTS events (revision INTEGER PRIMARY KEY, type TEXT NOT NULL, "
          + "body TEXT NOT NULL)");
      s.execute("INSERT OR IGNORE INTO meta VALUES ('schema', '" + SCHEMA_VERSION + "')");
      s.execute("INSERT OR IGNORE INTO meta VALUES ('revision', '0')");
      try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'schema'")) {
        int schema = rs.next() ? Integer.parseInt(rs.getString(1)) : -1;
        if (schema != SCHEMA_VERSION) {
          throw new SQLException("store schema " + schema + " is not " + SCHEMA_VERSION
              + "; this vmesh cannot read a store written by another version");
        }
      }
    }
    db.setAutoCommit(false);
    upsert = db.prepareStatement("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)");
    remove = db.prepareStatement("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?");
    addEvent = db.prepareStatement("INSERT INTO events VALUES (?, ?, ?)");
    setRevision = db.prepareStatement("UPDATE meta SET value = ? WHERE key = 'revision'");
    trim = db.prepareStatement("DELETE FROM events WHERE revision <= ?");
    db.commit();
  }

  /** Opens (creating if needed) the journal in {@code dir}, which is created with mode 0700. */
  public static SqliteJournal open(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      return new SqliteJournal(dir);
    } catch (IOException | SQLException e) {
      throw new StoreException.Unavailable("cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void append(List<WatchEvent> changes) {
    if (changes.isEmpty()) {
      return;
    }
    try {
      long revision = 0;
      for (WatchEvent change : changes) {
        Resource object = change.object();
        revision = Long.parseLong(change.resourceVersion());
        String body = ResourceWriter.json(object, false);
        if (change.type() == WatchEvent.Type.DELETED) {
          remove.setString(1, object.kind().kindName());
          remove.setString(2, object.namespace());
          remove.setString(3, object.name());
          remove.executeUpdate();
        } else {
          upsert.setString(1, object.kind().kindName());
          upsert.setString(2, object.namespace());
          upsert.setString(3, object.name());
          upsert.setLong(4, revision);
          upsert.setString(5, body);
          upsert.executeUpdate();
        }
        addEvent.setLong(1, revision);
        addEvent.setString(2, change.type().name());
        addEvent.setString(3, body);
        addEvent.executeUpdate();
      }
      setRevision.setString(1, Long.toString(revision));
      setRevision.executeUpdate();
      appendsSinceTrim += changes.size();
      if (appendsSinceTrim >= TRIM_EVERY) {
        trim.setLong(1, revision - historyLimit);
        trim.executeUpdate();
        appendsSinceTrim = 0;
      }
      db.commit(); // one fsync of the WAL (synchronous=FULL) for the whole list
    } catch (SQLException | RuntimeException e) {
      try {
        db.rollback();
      } catch (SQLException rollbackFailure) {
        e.addSuppressed(rollbackFailure);
      }
      throw new StoreException.Unavailable("cannot write to " + dbFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized Loaded load(int limit) {
    this.historyLimit = limit;
    try (Statement s = db.createStatement()) {
      List<Resource> objects = new ArrayList<>();
      try (ResultSet rs = s.executeQuery("SELECT kind, namespace, name, body FROM objects")) {
        while (rs.next()) {
          objects.add(decode(rs.getString(4), "object " + rs.getString(1) + " " + rs.getString(2) + "/"
              + rs.getString(3)));
        }
      }
      long revision;
      try (ResultSet rs = s.executeQuery("SELECT value FROM meta WHERE key = 'revision'")) {
        revision = rs.next() ? Long.parseLong(rs.getString(1)) : 0;
      }
      List<WatchEvent> history = new ArrayList<>();
      try (PreparedStatement q = db.prepareStatement(
          "SELECT revision, type, body FROM events ORDER BY revision DESC LIMIT ?")) {
        q.setInt(1, limit);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            String rv = Long.toString(rs.getLong(1));
            history.add(new WatchEvent(WatchEvent.Type.valueOf(rs.getString(2)),
                decode(rs.getString(3), "event " + rv), rv));
          }
        }
      }
      Collections.reverse(history);
      db.commit();
      LOG.info("event=store_loaded file={} objects={} revision={} history={}", dbFile, objects.size(), revision,
          history.size());
      return new Loaded(objects, revision, history);
    } catch (SQLException e) {
      throw new StoreException.Unavailable("cannot read " + dbFile + ": " + e.getMessage(), e);
    }
  }

  private Resource decode(String body, String what) {
    try {
      return ResourceDecoder.decodeOne(dbFile + " " + what + ".json", body);
    } catch (DecodeException e) {
      throw new StoreException.Unavailable(dbFile + ": " + what + " cannot be read (" + e.getMessage()
          + "); the database was changed outside vmesh", e);
    }
  }

  @Override
  public String describe() {
    return "sqlite:" + dbFile;
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      LOG.warn("event=store_close_failed file={} error={}", dbFile, e.toString());
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("event=store_unlock_failed file={} error={}", dbFile, e.toString());
    }
  }
}
