package dev.vmesh.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

  /**
   * Addresses whose workload the change concerns: endpoint addresses present before or after but not both,
   * and those present in both whose endpoints changed what a workload's own (inbound) side is made of:
   * ports, labels, TLS mode or service account. Health, weight, network and locality do not count. Empty
   * when the endpoints did not change.
   */
  public Set<String> touchedAddresses() {
    if (!endpointsChanged()) {
      return Set.of();
    }
    Map<String, Set<List<Object>>> before = workloads(previous);
    Map<String, Set<List<Object>>> after = workloads(next);
    Set<String> out = new HashSet<>();
    for (Map<String, Set<List<Object>>> side : List.of(before, after)) {
      for (String a : side.keySet()) {
        if (!Objects.equals(before.get(a), after.get(a))) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /** Per endpoint address, what its workload serves and is: ports, labels, TLS mode, service account. */
  private static Map<String, Set<List<Object>>> workloads(Service s) {
    Map<String, Set<List<Object>>> out = new HashMap<>();
    if (s != null) {
      for (Endpoint e : s.endpoints()) {
        out.computeIfAbsent(e.address(), a -> new HashSet<>())
            .add(List.of(e.port(), e.servicePort(), e.labels(), e.tlsMode(), e.serviceAccount()));
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
