package dev.vmesh.api.codec;

import dev.vmesh.api.Problem;
import java.util.List;
import java.util.stream.Collectors;

/** {@code DecodeException} carries the problems that kept an input from decoding. */
public final class DecodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<Problem> problems;

  public DecodeException(List<Problem> problems) {
    super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
