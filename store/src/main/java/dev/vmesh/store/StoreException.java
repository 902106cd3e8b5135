package dev.vmesh.store;

import dev.vmesh.api.Problem;
import dev.vmesh.api.ResourceKey;
import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code StoreException} is any refusal or failure of a {@link ConfigStore}. Each subclass maps to the
 * HTTP status the admin API answers with.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int httpStatus;

  public StoreException(int httpStatus, String message, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
  }

  public StoreException(int httpStatus, String message) {
    this(httpStatus, message, null);
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** No such object. */
  public static final class NotFound extends StoreException {
    private static final long serialVersionUID = 1L;

    public NotFound(ResourceKey key) {
      super(404, key + " not found");
    }
  }

  /** Create of an object that exists. */
  public static final class AlreadyExists extends StoreException {
    private static final long serialVersionUID = 1L;

    public AlreadyExists(ResourceKey key, String detail) {
      super(409, key + " already exists" + (detail.isEmpty() ? "" : ": " + detail));
    }
  }

  /** The given resourceVersion (or uid) is not the current one: someone else changed the object. */
  public static final class Conflict extends StoreException {
    private static final long serialVersionUID = 1L;

    public Conflict(ResourceKey key, String expected, String actual) {
      super(409, key + " was modified: resourceVersion " + expected + " is not the current " + actual
          + "; read it again and retry");
    }
  }

  /** A write to a store (or an object) that does not accept writes. */
  public static final class ReadOnly extends StoreException {
    private static final long serialVersionUID = 1L;

    public ReadOnly(String message) {
      super(405, message);
    }
  }

  /** The object is not valid; {@link #problems()} says why. */
  public static final class Invalid extends StoreException {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    public Invalid(ResourceKey key, List<Problem> problems) {
      super(422, key + " is invalid:\n  " + problems.stream().map(Problem::toString)
          .collect(Collectors.joining("\n  ")));
      this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
      return problems;
    }
  }

  /** A watch asked to start from a version older than the history the store keeps. */
  public static final class Expired extends StoreException {
    private static final long serialVersionUID = 1L;

    public Expired(String message) {
      super(410, message);
    }
  }

  /**
   * A write for singleton work was refused because this replica no longer leads (see {@link Leadership}):
   * another replica may be doing that work now. Nothing was changed.
   */
  public static final class NotLeader extends StoreException {
    private static final long serialVersionUID = 1L;

    public NotLeader(String message) {
      super(409, message);
    }
  }

  /** The store could not do its work (disk, database, network). Nothing was changed. */
  public static final class Unavailable extends StoreException {
    private static final long serialVersionUID = 1L;

    public Unavailable(String message, Throwable cause) {
      super(503, message, cause);
    }
  }
}
