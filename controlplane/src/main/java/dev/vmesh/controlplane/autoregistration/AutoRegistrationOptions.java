package dev.vmesh.controlplane.autoregistration;

import java.time.Duration;

/**
 * {@code AutoRegistrationOptions} mirrors istiod's switches.
 *
 * @param autoRegistration create WorkloadEntries for proxies that name a group (PILOT_ENABLE_WORKLOAD_ENTRY_AUTOREGISTRATION)
 * @param healthChecks accept health reports (PILOT_ENABLE_WORKLOAD_ENTRY_HEALTHCHECKS)
 * @param validateIdentity a proxy must prove the entry's namespace and service account (ISTIO_WORKLOAD_ENTRY_VALIDATE_IDENTITY)
 * @param gracePeriod how long a disconnected entry waits before cleanup (PILOT_WORKLOAD_ENTRY_GRACE_PERIOD, 10 s)
 * @param maxConnectionAge entries connected for longer than 1.5 times this without a recorded
 *     disconnect are treated as leaked (the server and the VM died together); zero means never
 * @param controllerName this replica's name in {@code istio.io/workloadController}
 * @param trustDomain of the SPIFFE identities checked
 * @param cleanupsPerSecond rate limit of deletions (20/s)
 */
public record AutoRegistrationOptions(boolean autoRegistration, boolean healthChecks, boolean validateIdentity,
    Duration gracePeriod, Duration maxConnectionAge, String controllerName, String trustDomain,
    double cleanupsPerSecond) {

  public static AutoRegistrationOptions defaults(String controllerName, String trustDomain) {
    return new AutoRegistrationOptions(true, true, true, Duration.ofSeconds(10), Duration.ofMinutes(30),
        controllerName, trustDomain, 20);
  }

  /** The periodic sweep runs every ten grace periods, as in istiod. */
  public Duration sweepInterval() {
    return gracePeriod.multipliedBy(10);
  }
}
