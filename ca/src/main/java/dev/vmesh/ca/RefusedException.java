package dev.vmesh.ca;

import io.grpc.Status;
import io.grpc.StatusException;
import java.util.Locale;

/**
 * {@code RefusedException} is a refusal of a caller or a request, with the status the caller gets and
 * a short reason for metrics ({@code token_expired}, {@code csr_identity}, ...).
 */
public final class RefusedException extends StatusException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public RefusedException(String reason, Status status) {
    super(status);
    this.reason = reason;
  }

  /** The metric label for why. */
  public String reason() {
    return reason;
  }

  /** The reason of any refusal: a {@code RefusedException}'s own, else the status code in lower case. */
  public static String reasonOf(StatusException e) {
    return e instanceof RefusedException r ? r.reason
        : e.getStatus().getCode().name().toLowerCase(Locale.ROOT);
  }
}
