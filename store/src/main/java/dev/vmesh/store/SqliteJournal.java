package dev.vmesh.store;

import dev.vmesh.api.Resource;
import dev.vmesh.api.codec.DecodeException;
import dev.vmesh.api.codec.ResourceDecoder;
import dev.vmesh.api.codec.ResourceWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
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
  private final StoreFiles files;
  private final WriteHealth health;
  // Guarded by this. After a failed write the connection is closed (null) and opened again.
  private Connection db;
  private PreparedStatement upsert;
  private PreparedStatement remove;
  private PreparedStatement addEvent;
  private PreparedStatement setRevision;
  private PreparedStatement trim;
  /** The last revision known to be in the file. */
  private long revision;
  /** Set when the file no longer matches what this journal wrote: every write fails until a restart. */
  private String diverged;
  private int historyLimit = LocalConfigStore.Options.DEFAULTS.historyLimit();
  private long appendsSinceTrim;
  private long probes;
  private boolean closed;

  private SqliteJournal(Path dir, Clock clock, String mustExistBecause) throws SQLException {
    this.dbFile = dir.resolve("store.db");
    this.health = new WriteHealth("sqlite:" + dbFile, clock);
    this.files = StoreFiles.lock(dir, dbFile, mustExistBecause);
    try {
      this.db = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
      createTables();
      prepare();
      db.commit();
    } catch (SQLException | RuntimeException e) {
      disconnect();
      files.unlock(); // a later open in this process may try again
      throw e;
    }
  }

  private void createTables() throws SQLException {
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
  }

  /**
   * Opens (creating if needed) the journal in {@code dir}, prepared as a {@link DataDirectory}. Unless
   * {@code mustExistBecause} is null, a missing or empty {@code store.db} is refused, the message
   * saying why it should exist (e.g. "the CA in ... shows this server has run here before").
   */
  public static SqliteJournal open(Path dir, Clock clock, String mustExistBecause) {
    try {
      DataDirectory.prepare(dir);
    } catch (IOException e) {
      throw new StoreException.Unavailable(e.getMessage(), e);
    }
    try {
      return new SqliteJournal(dir, clock, mustExistBecause);
    } catch (SQLException e) {
      throw new StoreException.Unavailable("cannot open the store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Makes {@link #db} a transaction-per-append connection with the statements prepared. */
  private void prepare() throws SQLException {
    db.setAutoCommit(false);
    upsert = db.prepareStatement("INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)");
    remove = db.prepareStatement("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?");
    addEvent = db.prepareStatement("INSERT INTO events VALUES (?, ?, ?)");
    setRevision = db.prepareStatement("UPDATE meta SET value = ? WHERE key = 'revision'");
    trim = db.prepareStatement("DELETE FROM events WHERE revision <= ?");
  }

  /** Opens the connection again after {@link #disconnect}; throws what opening it threw. */
  private void reconnect() throws SQLException {
    db = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
    try (Statement s = db.createStatement()) {
      s.execute("PRAGMA synchronous=FULL");
      s.execute("PRAGMA busy_timeout=5000");
    }
    prepare();
  }

  /** Closes the connection, which rolls back whatever it had not committed. */
  private void disconnect() {
    if (db == null) {
      return;
    }
    try {
      db.close(); // closes its statements too
    } catch (SQLException e) {
      LOG.warn("event=store_close_failed file={} error={}", dbFile, e.toString());
    }
    db = null;
  }

  /** The revision the file holds, read on the current connection. */
  private long storedRevision() throws SQLException {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT value FROM meta WHERE key = 'revision'")) {
      long r = rs.next() ? Long.parseLong(rs.getString(1)) : 0;
      db.commit();
      return r;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>After a failed statement or commit, SQLite may have rolled back the statement, the transaction
   * or nothing, and the driver's statements may be unusable (sqlite-jdbc then answers every later write
   * with "statement is not executing"). So the connection is closed, which discards whatever it had not
   * committed, and opened again, and the revision in the file decides: the previous one means nothing
   * of this append was stored (the append fails); this append's last revision means it was stored
   * after all (the append succeeds). Writes resume once the cause is gone (space freed).
   */
  @Override
  public synchronized void append(List<WatchEvent> changes) {
    if (changes.isEmpty()) {
      return;
    }
    if (diverged != null) {
      throw new StoreException.Unavailable(diverged, null);
    }
    long last = Long.parseLong(changes.get(changes.size() - 1).resourceVersion());
    if (db == null) {
      try {
        reconnect();
        checkRevision();
      } catch (SQLException | RuntimeException e) {
        disconnect();
        String reason = SqliteErrors.reason(e, dbFile);
        health.failed(reason);
        throw new StoreException.Unavailable("cannot write to " + dbFile + ": " + reason + "; nothing of this write "
            + "was stored", e);
      }
      if (diverged != null) {
        throw new StoreException.Unavailable(diverged, null);
      }
    }
    try {
      write(changes, last);
      revision = last;
      health.succeeded();
    } catch (SQLException | RuntimeException e) {
      Outcome outcome = outcome(e, last);
      if (outcome == Outcome.STORED) {
        return;
      }
      String reason = SqliteErrors.reason(e, dbFile);
      health.failed(reason);
      throw new StoreException.Unavailable("cannot write to " + dbFile + ": " + reason + (outcome == Outcome.NOT_STORED
          ? "; nothing of this write was stored" : "; the database could not be read back to tell whether this write "
          + "was stored: read the object before retrying"), e);
    }
  }

  /** What became of an append that failed. */
  private enum Outcome {
    STORED,
    NOT_STORED,
    UNKNOWN
  }

  private void write(List<WatchEvent> changes, long last) throws SQLException {
    for (WatchEvent change : changes) {
      Resource object = change.object();
      long rev = Long.parseLong(change.resourceVersion());
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
        upsert.setLong(4, rev);
        upsert.setString(5, body);
        upsert.executeUpdate();
      }
      addEvent.setLong(1, rev);
      addEvent.setString(2, change.type().name());
      addEvent.setString(3, body);
      addEvent.executeUpdate();
    }
    setRevision.setString(1, Long.toString(last));
    setRevision.executeUpdate();
    appendsSinceTrim += changes.size();
    if (appendsSinceTrim >= TRIM_EVERY) {
      trim.setLong(1, last - historyLimit);
      trim.executeUpdate();
      appendsSinceTrim = 0;
    }
    db.commit(); // one fsync of the WAL (synchronous=FULL) for the whole list
  }

  /**
   * After {@code failure} of an append up to revision {@code last}: reconnects and reads the file's
   * revision. {@code last} means the append was stored after all; the previous revision means nothing
   * of it was; a file that cannot be read leaves it unknown (the next append reconnects and checks
   * first); any other revision stops all writes until a restart loads the file as it is.
   */
  private Outcome outcome(Exception failure, long last) {
    disconnect();
    long stored;
    try {
      reconnect();
      stored = storedRevision();
    } catch (SQLException | RuntimeException e) {
      failure.addSuppressed(e);
      disconnect();
      return Outcome.UNKNOWN;
    }
    if (stored == last) {
      LOG.warn("event=store_write_stored_despite_error file={} revision={} error=\"{}\"", dbFile, last,
          SqliteErrors.reason(failure, dbFile));
      revision = last;
      health.succeeded();
      return Outcome.STORED;
    }
    if (stored != revision) {
      diverge(stored);
    }
    return Outcome.NOT_STORED;
  }

  /** After reconnecting: the file must still be at the revision this journal last stored. */
  private void checkRevision() throws SQLException {
    long stored = storedRevision();
    if (stored != revision) {
      diverge(stored);
    }
  }

  private void diverge(long stored) {
    diverged = dbFile + " holds revision " + stored + " where this server last stored " + revision
        + " (a write whose outcome was unknown was stored, or another program changed the file); restart vmesh "
        + "to load the file as it is";
    LOG.error("event=store_diverged file={} stored={} expected={}", dbFile, stored, revision);
    health.failed(diverged);
  }

  /**
   * Whether writes succeed; while they fail, at most every {@link WriteHealth#PROBE_INTERVAL} this tries
   * a small write of its own (a counter in the meta table), so the store notices by itself that it can
   * write again.
   */
  @Override
  public synchronized StoreHealth health() {
    if (!closed && diverged == null && health.probeDue()) {
      try {
        if (db == null) {
          reconnect();
          checkRevision();
          if (diverged != null) {
            return health.get();
          }
        }
        try (PreparedStatement p = db.prepareStatement("INSERT OR REPLACE INTO meta VALUES ('probe', ?)")) {
          p.setString(1, Long.toString(++probes));
          p.executeUpdate();
        }
        db.commit();
        health.succeeded();
      } catch (SQLException | RuntimeException e) {
        disconnect();
        health.probeFailed(SqliteErrors.reason(e, dbFile));
      }
    }
    return health.get();
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
      this.revision = revision;
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
    closed = true;
    disconnect();
    files.unlock();
  }
}
