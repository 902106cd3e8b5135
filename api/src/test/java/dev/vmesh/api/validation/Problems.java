package dev.vmesh.api.validation;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.ResourceDecoder;
import java.util.List;

/** Test helper: the problems of one object as {@code vmesh validate} prints them (decoding first, then validation). */
final class Problems {
  private Problems() {}

  /**
   * The problems of the object {@code head} (apiVersion, kind, metadata lines) with {@code spec} indented under
   * {@code spec:}, read from a file named {@code file}.
   */
  static List<String> of(String file, String head, String spec) {
    var decoded = ResourceDecoder.decode(file, head + "spec:\n" + spec.indent(2));
    if (decoded.hasErrors()) {
      return decoded.problems().stream().map(Problem::toString).toList();
    }
    return new Validator().validate(decoded.decoded().get(0)).stream().map(Problem::toString).toList();
  }
}
