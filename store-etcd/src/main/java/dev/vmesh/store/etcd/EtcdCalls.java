package dev.vmesh.store.etcd;

import dev.vmesh.store.StoreException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * {@code EtcdCalls} waits for etcd's answers within the request timeout, tells the
 * {@link ChannelBackoff} when etcd is unavailable or does not answer, and turns failures into
 * {@link StoreException}s whose message names the endpoints and the cause, e.g.
 * {@code etcd at http://10.0.0.1:2379 is unavailable while creating WorkloadEntry ns1/vm1: connection refused}.
 */
final class EtcdCalls {
  /** etcd's message for a read at a revision it has compacted away. */
  static final String COMPACTED = "required revision has been compacted";
  /** etcd's message for a write refused because its database reached --quota-backend-bytes. */
  static final String NO_SPACE = "database space exceeded";
  /** etcd's message for a read at a revision it has not reached. */
  static final String FUTURE_REVISION = "required revision is a future revision";

  private final String endpoints;
  private final Duration timeout;
  private final Runnable unavailable;

  EtcdCalls(String endpoints, Duration timeout, Runnable unavailable) {
    this.endpoints = endpoints;
    this.timeout = timeout;
    this.unavailable = unavailable;
  }

  String endpoints() {
    return endpoints;
  }

  /** The result of {@code call}; {@code what} says what it was for, e.g. "reading WorkloadEntry ns1/vm1". */
  <T> T await(CompletableFuture<T> call, String what) {
    try {
      return call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      unavailable.run();
      throw new StoreException.Unavailable("etcd at " + endpoints + " is unavailable while " + what + ": it did not"
          + " answer within " + timeout.toMillis() + " ms; check that etcd is running and reachable (a write may or"
          + " may not have been applied: read the object again before retrying)", e);
    } catch (ExecutionException | CompletionException e) {
      throw translate(e.getCause() == null ? e : e.getCause(), what);
    } catch (InterruptedException e) {
      call.cancel(true);
      Thread.currentThread().interrupt();
      throw new StoreException.Unavailable("interrupted while " + what + " on etcd at " + endpoints, e);
    }
  }

  /** A failure of a call to etcd as the store reports it. */
  StoreException translate(Throwable t, String what) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    String detail = describe(t);
    if (detail.contains(COMPACTED)) {
      return new StoreException.Expired("etcd has compacted its history past the version asked for while " + what
          + "; list and watch again");
    }
    if (isNoSpace(t)) {
      return new StoreException.Unavailable("etcd at " + endpoints + " refused the write while " + what + ": its "
          + "database is full (" + detail + "; it reached etcd's --quota-backend-bytes and raised the NOSPACE alarm). "
          + "Nothing was written. Free space in etcd (etcdctl compact, etcdctl defrag, etcdctl alarm disarm); vmesh "
          + "writes again by itself then", t);
    }
    if (isAuthFailure(t, detail)) {
      return new StoreException.Unavailable("etcd at " + endpoints + " refused vmesh's credentials while " + what
          + ": " + detail + "; check --etcd-user and --etcd-password-file (and the user's role on the key prefix)", t);
    }
    if (isTlsFailure(t)) {
      return new StoreException.Unavailable("TLS with etcd at " + endpoints + " failed while " + what + ": " + detail
          + "; check --etcd-ca-file (it must hold the CA that signed etcd's certificate) and, when etcd asks for"
          + " client certificates, --etcd-cert-file and --etcd-key-file", t);
    }
    if (isUnavailable(t)) {
      unavailable.run();
      return new StoreException.Unavailable("etcd at " + endpoints + " is unavailable while " + what + ": " + detail
          + "; check that etcd is running and reachable", t);
    }
    return new StoreException.Unavailable("etcd at " + endpoints + " failed while " + what + ": " + detail, t);
  }

  /** True when etcd refused a write because its database is full (its space quota). */
  static boolean isNoSpace(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c.getMessage() != null && c.getMessage().contains(NO_SPACE)) {
        return true;
      }
    }
    return false;
  }

  static boolean isUnavailable(Throwable t) {
    return t instanceof EtcdException e ? e.getErrorCode() == ErrorCode.UNAVAILABLE
        : Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE;
  }

  private static boolean isAuthFailure(Throwable t, String detail) {
    Status.Code code = Status.fromThrowable(t).getCode();
    boolean byCode = t instanceof EtcdException e
        ? e.getErrorCode() == ErrorCode.UNAUTHENTICATED || e.getErrorCode() == ErrorCode.PERMISSION_DENIED
        : code == Status.Code.UNAUTHENTICATED || code == Status.Code.PERMISSION_DENIED;
    return byCode || detail.contains("authentication failed") || detail.contains("permission denied")
        || detail.contains("user name is empty") || detail.contains("invalid auth token");
  }

  private static boolean isTlsFailure(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof SSLException || c instanceof GeneralSecurityException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first line of the message of {@code t} and of its innermost cause, e.g.
   * "io exception (Connection refused: /10.0.0.1:2379)".
   */
  static String describe(Throwable t) {
    String top = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().lines().findFirst().orElse("");
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != t && root.getMessage() != null && !top.contains(root.getMessage())) {
      return top + " (" + root.getMessage() + ")";
    }
    return top;
  }
}
