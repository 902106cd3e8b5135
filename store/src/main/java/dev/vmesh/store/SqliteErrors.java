package dev.vmesh.store;

import java.nio.file.Path;
import org.sqlite.SQLiteException;

/** {@code SqliteErrors} says in words what a failed SQLite call means for the store, and what to do. */
final class SqliteErrors {
  private SqliteErrors() {}

  /** E.g. "the disk is full; free space on the disk of /var/lib/vmesh and ... ([SQLITE_FULL] ...)". */
  static String reason(Exception e, Path dbFile) {
    String cause = e.getMessage() == null ? e.toString() : e.getMessage();
    if (!(e instanceof SQLiteException s)) {
      return cause;
    }
    return switch (s.getResultCode().code & 0xff) { // the primary result code
      case 13 -> "the disk is full; free space on the disk of " + dbFile.getParent() + " and vmesh writes again by "
          + "itself (" + cause + ")";
      case 10 -> "an I/O error; check the disk and the kernel log (" + cause + ")";
      case 8 -> "the file is read-only; let the server's user write " + dbFile + " and its directory (" + cause + ")";
      case 14 -> "the file cannot be opened; check that " + dbFile.getParent() + " exists and the server's user may "
          + "write it (" + cause + ")";
      case 11, 26 -> "the database is damaged (" + cause + "); restore " + dbFile + " from a backup";
      default -> cause;
    };
  }
}
