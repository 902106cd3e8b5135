package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code Workload} is the registry's compact view of a WorkloadEntry (or of a ServiceEntry's inline
 * endpoint): what endpoint building needs, with labels merged (spec, then metadata), augmented with
 * topology labels from locality and network, and interned. Selectors match these labels.
 *
 * @param owner {@code namespace/name} of the WorkloadEntry; empty for inline endpoints
 * @param serviceAccount the SPIFFE identity, or empty
 * @param dnsOnly the address is a hostname or unix socket: selected only by DNS-resolution services
 */
record Workload(
    String namespace,
    String owner,
    String address,
    Map<String, Integer> ports,
    Map<String, String> labels,
    String network,
    String locality,
    long weight,
    String serviceAccount,
    String tlsMode,
    boolean healthy,
    boolean dnsOnly) {

  private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");

  /** The view of a WorkloadEntry object. */
  static Workload of(Resource we, String trustDomain, Interner interner) {
    WorkloadEntrySpec spec = we.spec(WorkloadEntrySpec.class);
    Map<String, String> labels = spec.labels();
    if (!we.metadata().labels().isEmpty()) {
      labels = new HashMap<>(labels);
      labels.putAll(we.metadata().labels()); // metadata labels win
    }
    String health = we.metadata().annotations().get(WellKnown.HEALTH_CHECKS_ENABLED);
    boolean healthy = health == null || !TRUE.contains(health)
        || we.status().condition(Condition.HEALTHY).map(Condition::isTrue).orElse(false);
    return of(spec, labels, we.namespace(), we.namespace() + "/" + we.name(), healthy, trustDomain, interner);
  }

  /** The view of one inline endpoint of a ServiceEntry in {@code namespace}. */
  static Workload inline(WorkloadEntrySpec spec, String namespace, String trustDomain, Interner interner) {
    return of(spec, spec.labels(), namespace, "", true, trustDomain, interner);
  }

  private static Workload of(WorkloadEntrySpec spec, Map<String, String> labels, String namespace, String owner,
      boolean healthy, String trustDomain, Interner in) {
    String locality = spec.locality();
    if (locality.isEmpty()) {
      String label = labels.getOrDefault(WellKnown.TOPOLOGY_LOCALITY, labels.getOrDefault(WellKnown.ISTIO_LOCALITY, ""));
      locality = label.replace('.', '/');
    }
    Map<String, String> augmented = labels;
    if (!locality.isEmpty() || !spec.network().isEmpty()) {
      augmented = new HashMap<>(labels);
    }
    if (!locality.isEmpty()) {
      String[] parts = locality.split("/", 3);
      augmented.putIfAbsent(WellKnown.TOPOLOGY_REGION, parts[0]);
      if (parts.length > 1) {
        augmented.putIfAbsent(WellKnown.TOPOLOGY_ZONE, parts[1]);
      }
      if (parts.length > 2) {
        augmented.putIfAbsent(WellKnown.TOPOLOGY_SUBZONE, parts[2]);
      }
    }
    if (!spec.network().isEmpty()) {
      augmented.putIfAbsent(WellKnown.TOPOLOGY_NETWORK, spec.network());
    }
    String tls = labels.get(WellKnown.TLS_MODE);
    if (tls == null) {
      tls = spec.serviceAccount().isEmpty() ? Endpoint.TLS_DISABLED : Endpoint.TLS_ISTIO;
    }
    String sa = spec.serviceAccount().isEmpty() ? "" : in.spiffe(trustDomain, namespace, spec.serviceAccount());
    boolean dnsOnly = spec.isUnix() || !spec.address().isEmpty() && !Addresses.isIp(spec.address());
    return new Workload(in.intern(namespace), owner, spec.address(), spec.ports().isEmpty() ? Map.of() : spec.ports(),
        in.labels(augmented), in.intern(spec.network()), in.intern(locality), spec.weight(), sa, in.intern(tls),
        healthy, dnsOnly);
  }
}
