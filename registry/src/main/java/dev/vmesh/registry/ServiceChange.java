package dev.vmesh.registry;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ServiceChange} is what updates did to one service: the service before and after, each null
 * when the service did not exist. The registry reports one per changed service ({@link Registry.Changes});
 * changes that follow each other fold into one with {@link #then}, so a consumer that batches them
 * still sees where the batch started and where it ended. The derived facts (endpoints changed, shape
 * changed, addresses touched) say nothing about any protocol; what they mean for proxies is decided
 * by whoever reads them.
 */
public record ServiceChange(ServiceKey key, Service previous, Service next) {

  /** This change followed by {@code later} (of the same service): from this one's start to its end. */
  public ServiceChange then(ServiceChange later) {
    return new ServiceChange(key, previous, later.next);
  }

  /** The states that exist, before then after: none, one or two services. */
  public List<Service> states() {
    List<Service> out = new ArrayList<>(2);
    if (previous != null) {
      out.add(previous);
    }
    if (next != null) {
      out.add(next);
    }
    return out;
  }

  /** Whether the endpoints differ (a service that appears or vanishes counts as changed). */
  public boolean endpointsChanged() {
    return previous == null || next == null || !previous.endpoints().equals(next.endpoints());
  }

  /**
   * Whether anything but the endpoints differs: addresses, ports, resolution, location, visibility,
   * subject alt names or the ServiceEntries behind it (a service that appears or vanishes counts too).
   */
  public boolean shapeChanged() {
    if (previous == null || next == null) {
      return true;
    }
    return !withoutEndpoints(previous).equals(withoutEndpoints(next));
  }

  /** {@code s} with no endpoints: comparing these compares every other field, present and future. */
  private static Service withoutEndpoints(Service s) {
    return new Service(s.hostname(), s.namespace(), s.addresses(), s.autoAllocated(), s.resolution(), s.location(),
        s.ports(), s.exportTo(), s.subjectAltNames(), List.of(), s.serviceEntries());
  }

  /** Endpoint addresses present before or after but not both (empty when the endpoints did not change). */
  public Set<String> touchedAddresses() {
    if (!endpointsChanged()) {
      return Set.of();
    }
    Set<String> before = addresses(previous);
    Set<String> after = addresses(next);
    Set<String> out = new HashSet<>();
    for (String a : before) {
      if (!after.contains(a)) {
        out.add(a);
      }
    }
    for (String a : after) {
      if (!before.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }

  /** The addresses of {@code s}'s endpoints (none for null). */
  static Set<String> addresses(Service s) {
    Set<String> out = new HashSet<>();
    if (s != null) {
      for (Endpoint e : s.endpoints()) {
        out.add(e.address());
      }
    }
    return out;
  }
}
