package dev.vmesh.api.codec;

/** {@code Position} is a 1-based line and column in a source file; {@link #UNKNOWN} when not known. */
public record Position(int line, int column) {
  public static final Position UNKNOWN = new Position(0, 0);

  public boolean isKnown() {
    return line > 0;
  }

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
