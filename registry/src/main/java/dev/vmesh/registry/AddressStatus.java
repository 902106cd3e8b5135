package dev.vmesh.registry;

import dev.vmesh.api.ResourceKey;
import dev.vmesh.api.ResourceStatus.HostAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code AddressStatus} tracks which ServiceEntries should have their auto-allocated addresses written
 * to {@code status.addresses} (so they survive a restart), and with what: the addresses the allocator
 * holds for each of their hosts that get one, compared with what their status says. Written by the
 * registry's update thread, read by any.
 */
final class AddressStatus {
  private final VipAllocator vips;
  private final Map<ResourceKey, List<HostAddress>> pending = new ConcurrentHashMap<>();

  AddressStatus(VipAllocator vips) {
    this.vips = vips;
  }

  /** Compares {@code se}'s status with the addresses it should record; it is pending while they differ. */
  void check(ServiceEntryRecord se) {
    List<HostAddress> desired = desired(se);
    if (desired.equals(se.statusAddresses())) {
      pending.remove(se.key());
    } else {
      pending.put(se.key(), desired);
    }
  }

  /** Forgets a deleted ServiceEntry. */
  void remove(ResourceKey key) {
    pending.remove(key);
  }

  /** ServiceEntries whose status should be written, with the value; an empty list means "clear". */
  Map<ResourceKey, List<HostAddress>> pending() {
    return Map.copyOf(pending);
  }

  private List<HostAddress> desired(ServiceEntryRecord se) {
    Map<String, HostAddress> out = new LinkedHashMap<>();
    for (String host : se.allocatedHosts()) {
      VipAllocator.Vips v = vips.get(host);
      if (v == null) {
        continue;
      }
      if (v.v4() != null) {
        out.put(v.v4() + host, new HostAddress(v.v4(), host));
      }
      if (v.v6() != null) {
        out.put(v.v6() + host, new HostAddress(v.v6(), host));
      }
    }
    return List.copyOf(out.values());
  }
}
