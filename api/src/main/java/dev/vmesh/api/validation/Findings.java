package dev.vmesh.api.validation;

import dev.vmesh.api.Problem;
import java.util.ArrayList;
import java.util.List;

/** {@code Findings} collects the errors and warnings of one validation run, in rule order. */
final class Findings {
  private final List<Problem> problems = new ArrayList<>();

  void error(String path, String message) {
    problems.add(Problem.error(path, message));
  }

  void warning(String path, String message) {
    problems.add(Problem.warning(path, message));
  }

  void addAll(List<Problem> more) {
    problems.addAll(more);
  }

  boolean hasErrors() {
    return problems.stream().anyMatch(Problem::isError);
  }

  List<Problem> list() {
    return List.copyOf(problems);
  }
}
