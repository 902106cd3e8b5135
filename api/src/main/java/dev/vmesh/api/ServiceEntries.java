package dev.vmesh.api;

/** {@code ServiceEntries} holds ServiceEntry rules shared by validation and the registry. */
public final class ServiceEntries {
  private ServiceEntries() {}

  /**
   * Whether hosts of this ServiceEntry get auto-allocated virtual IPs: allocation is enabled, resolution
   * is not NONE, the object does not carry {@code networking.istio.io/enable-autoallocate-ip: "false"},
   * and it lists no addresses of its own.
   */
  public static boolean autoAllocates(ObjectMeta meta, ServiceEntrySpec spec, boolean allocationEnabled) {
    return allocationEnabled
        && spec.resolution() != Resolution.NONE
        && !"false".equals(meta.labels().get(WellKnown.ENABLE_AUTOALLOCATE_IP))
        && spec.addresses().isEmpty();
  }
}
