package dev.vmesh.registry;

import java.util.Comparator;

/** {@code ServiceKey} identifies a service: its hostname within a namespace. Orders by hostname, then namespace. */
public record ServiceKey(String hostname, String namespace) implements Comparable<ServiceKey> {
  private static final Comparator<ServiceKey> ORDER =
      Comparator.comparing(ServiceKey::hostname).thenComparing(ServiceKey::namespace);

  @Override
  public int compareTo(ServiceKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return hostname + " (" + namespace + ")";
  }
}
