package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus.HostAddress;
import dev.vmesh.api.ServiceEntries;
import dev.vmesh.api.ServiceEntrySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ServiceEntryRecord} is what the registry keeps of a ServiceEntry: its spec, age, which hosts get
 * virtual IPs, and the addresses its status records.
 *
 * @param hosts distinct hosts, in spec order
 * @param allocatedHosts hosts that get auto-allocated addresses (empty when allocation does not apply)
 * @param selector the workload selector labels, or null when the entry has none
 */
record ServiceEntryRecord(
    ResourceKey key,
    Instant created,
    ServiceEntrySpec spec,
    List<String> hosts,
    List<String> allocatedHosts,
    Map<String, String> selector,
    List<HostAddress> statusAddresses) {

  static ServiceEntryRecord of(Resource r, RegistryOptions options) {
    ServiceEntrySpec spec = r.spec(ServiceEntrySpec.class);
    List<String> hosts = List.copyOf(new LinkedHashSet<>(spec.hosts()));
    List<String> allocated = new ArrayList<>();
    if (ServiceEntries.autoAllocates(r.metadata(), spec, options.autoAllocate())) {
      for (String h : hosts) {
        if (!h.startsWith("*") || spec.resolution() == Resolution.DYNAMIC_DNS) {
          allocated.add(h);
        }
      }
    }
    return new ServiceEntryRecord(r.key(), r.metadata().creationTimestamp(), spec, hosts, List.copyOf(allocated),
        spec.workloadSelector() == null ? null : spec.workloadSelector().labels(), r.status().addresses());
  }

  String namespace() {
    return key.namespace();
  }

  /** The addresses this entry's status lists for {@code host}. */
  List<String> claimed(String host) {
    return statusAddresses.stream().filter(a -> a.host().equals(host)).map(HostAddress::value).toList();
  }

  /** Spec addresses that are plain IPs (candidates for colliding with the virtual IP pools). */
  List<String> userIps() {
    return spec.addresses().stream().map(Addresses::normalize).filter(Addresses::isIp).toList();
  }

  /** Same entry apart from what its status says. */
  boolean sameExceptStatus(ServiceEntryRecord o) {
    return o != null && key.equals(o.key) && Objects.equals(created, o.created) && spec.equals(o.spec)
        && allocatedHosts.equals(o.allocatedHosts);
  }

  ServiceEntryRecord withStatusAddresses(List<HostAddress> addresses) {
    return new ServiceEntryRecord(key, created, spec, hosts, allocatedHosts, selector, addresses);
  }
}
