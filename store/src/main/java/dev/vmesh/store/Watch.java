package dev.vmesh.store;

/** {@code Watch} is a running watch; closing it stops delivery (an event in progress completes). */
public interface Watch extends AutoCloseable {
  @Override
  void close();
}
