package dev.vmesh.store;

import dev.vmesh.api.Resource;
import dev.vmesh.api.Problem;
import dev.vmesh.api.validation.Validator;
import java.util.List;

/**
 * {@code WriteChecks} are what every store checks before it writes an object: it has a name, and,
 * unless the store was opened without them, Istio's validation rules find no error. A failed check is
 * {@link StoreException.Invalid} and nothing is written.
 */
public final class WriteChecks {
  private final Validator validator = new Validator();
  private final boolean rules;

  /** {@code rules} false checks the name only. */
  public WriteChecks(boolean rules) {
    this.rules = rules;
  }

  /** The name, then the rules. */
  public void check(Resource r) {
    requireName(r);
    checkRules(r);
  }

  public static void requireName(Resource r) {
    if (r.name().isEmpty()) {
      throw new StoreException.Invalid(r.key(), List.of(Problem.error("metadata.name", "name is required")));
    }
  }

  public void checkRules(Resource r) {
    if (!rules) {
      return;
    }
    List<Problem> errors = validator.validate(r).stream().filter(Problem::isError).toList();
    if (!errors.isEmpty()) {
      throw new StoreException.Invalid(r.key(), errors);
    }
  }
}
