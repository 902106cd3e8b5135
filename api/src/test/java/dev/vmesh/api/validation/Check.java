package dev.vmesh.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vmesh.api.Problem;
import dev.vmesh.api.codec.ResourceDecoder;
import java.util.List;

/** Test helper: decode one object from YAML and validate it; problems print as "path: message". */
final class Check {
  private Check() {}

  static List<Problem> problems(String kind, String metadataAndSpec) {
    String yaml = "apiVersion: networking.istio.io/v1\nkind: " + kind + "\n" + metadataAndSpec;
    var decoded = ResourceDecoder.decode("t.yaml", yaml);
    assertThat(decoded.problems()).as("decoding").isEmpty();
    return new Validator().validate(decoded.decoded().get(0).resource());
  }

  static List<String> errors(String kind, String body) {
    return problems(kind, body).stream().filter(Problem::isError).map(Problem::toString).toList();
  }

  static List<String> warnings(String kind, String body) {
    return problems(kind, body).stream().filter(p -> !p.isError()).map(Problem::toString).toList();
  }

  static List<String> se(String spec) {
    return errors("ServiceEntry", "metadata: {name: se, namespace: ns1}\nspec:\n" + spec.indent(2));
  }

  static List<String> seWarnings(String spec) {
    return warnings("ServiceEntry", "metadata: {name: se, namespace: ns1}\nspec:\n" + spec.indent(2));
  }
}
