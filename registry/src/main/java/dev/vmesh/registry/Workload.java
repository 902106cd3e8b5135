package dev.vmesh.registry;

import dev.vmesh.api.Addresses;
import dev.vmesh.api.Condition;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.registry.network.NetworkGateway;
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
 * @param gateway the network gateway this entry is, or null (see {@link #gatewayOf})
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
    boolean dnsOnly,
    NetworkGateway gateway) {

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
    Workload w = of(spec, labels, we.namespace(), we.namespace() + "/" + we.name(), healthy, trustDomain, interner);
    NetworkGateway gateway = gatewayOf(spec, labels, healthy, "WorkloadEntry " + w.owner());
    return gateway == null ? w : new Workload(w.namespace(), w.owner(), w.address(), w.ports(), w.labels(), w.network(),
        w.locality(), w.weight(), w.serviceAccount(), w.tlsMode(), w.healthy(), w.dnsOnly(), gateway);
  }

  /**
   * The network gateway a WorkloadEntry is, or null: one whose own labels carry
   * {@code topology.istio.io/network} (as Istio marks a gateway's Service), with an IP address, healthy, and
   * listing among its ports the gateway's mTLS port (label {@code networking.istio.io/gatewayPort}, else
   * 15443). A VM of a network has {@code spec.network}, not the label, and is no gateway.
   */
  static NetworkGateway gatewayOf(WorkloadEntrySpec spec, Map<String, String> labels, boolean healthy, String source) {
    String network = labels.getOrDefault(WellKnown.TOPOLOGY_NETWORK, "");
    if (network.isEmpty() || !healthy || !Addresses.isIp(spec.address())) {
      return null;
    }
    int port = WellKnown.DEFAULT_GATEWAY_PORT;
    String label = labels.get(WellKnown.GATEWAY_PORT);
    if (label != null) {
      try {
        port = Integer.parseInt(label);
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return spec.ports().containsValue(port)
        ? new NetworkGateway(network, Addresses.normalize(spec.address()), port, source) : null;
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
        healthy, dnsOnly, null);
  }
}
