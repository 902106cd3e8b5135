package dev.vmesh.controlplane.autoregistration;

import com.google.protobuf.Value;
import dev.vmesh.api.Addresses;
import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.OwnerReference;
import dev.vmesh.api.Resource;
import dev.vmesh.api.WellKnown;
import dev.vmesh.api.WorkloadEntryNames;
import dev.vmesh.api.WorkloadEntrySpec;
import dev.vmesh.api.WorkloadGroupSpec;
import dev.vmesh.pki.SpiffeId;
import dev.vmesh.proto.Wire.Meta;
import dev.vmesh.xds.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GroupEntries} holds the pure rules of auto-registration: the name of a VM's entry, the entry
 * built from its WorkloadGroup, and the identity check. No I/O.
 */
final class GroupEntries {
  /** Label added for HBONE-capable proxies unless the template sets one. */
  static final String TUNNEL_LABEL = "networking.istio.io/tunnel";

  private GroupEntries() {}

  /**
   * Istio's name for the entry ({@link WorkloadEntryNames#autoRegistered}, from the first IP); empty
   * when the group, the IP or the namespace is missing (then nothing is registered).
   */
  static String entryName(String group, String ip, String network, String namespace) {
    return namespace.isEmpty() ? "" : WorkloadEntryNames.autoRegistered(group, ip, network);
  }

  /**
   * Why the proxy's addresses cannot make an entry (one of them is not an IP literal), or null. Each
   * is named with where it came from: {@code INSTANCE_IPS}, or the node id.
   */
  static String addressProblem(Proxy proxy) {
    boolean fromMetadata = proxy.metadata().getFieldsMap().containsKey(Meta.INSTANCE_IPS);
    for (String ip : proxy.ips()) {
      if (!Addresses.isIp(ip)) {
        return (fromMetadata ? Meta.INSTANCE_IPS : "the node id " + proxy.id()) + " has \"" + Proxy.quoted(ip)
            + "\", which is not "
            + "an IP address; the VM's entry needs the address other workloads reach it on: set INSTANCE_IP in "
            + "its cluster.env (vmesh workload entry configure --internal-ip IP) and restart the agent";
      }
    }
    return null;
  }

  /**
   * The entry for {@code proxy} in {@code group}: the template's spec with the proxy's address, merged
   * labels (template, then group metadata, then the proxy's; {@code istio-locality} dropped;
   * {@code topology.istio.io/network} only as the group has it), the
   * proxy's network and locality when it has them, the group's annotations plus
   * {@code istio.io/autoRegistrationGroup} (and health checks when the proxy runs a probe), and the
   * group as controlling owner.
   */
  static Resource fromGroup(Resource group, Proxy proxy) {
    WorkloadGroupSpec g = group.spec(WorkloadGroupSpec.class);
    WorkloadEntrySpec t = g.template() != null ? g.template() : WorkloadEntrySpec.of("", Map.of());
    Map<String, String> labels = new HashMap<>(t.labels());
    labels.putAll(g.metadata().labels());
    String gateway = labels.get(WellKnown.TOPOLOGY_NETWORK);
    labels.putAll(proxy.labels());
    labels.remove(WellKnown.ISTIO_LOCALITY);
    // The network label makes an entry a network gateway (the registry's Networks): only the group may grant
    // it, never the VM's own claim, or any VM of any group could draw another network's traffic to itself.
    if (gateway == null) {
      labels.remove(WellKnown.TOPOLOGY_NETWORK);
    } else {
      labels.put(WellKnown.TOPOLOGY_NETWORK, gateway);
    }
    if (hbone(proxy) && !labels.containsKey(TUNNEL_LABEL)) {
      labels.put(TUNNEL_LABEL, "http");
    }
    Map<String, String> annotations = new HashMap<>(g.metadata().annotations());
    annotations.put(WellKnown.AUTO_REGISTRATION_GROUP, group.name());
    if (runsProbe(proxy)) {
      annotations.put(WellKnown.HEALTH_CHECKS_ENABLED, "true");
    }
    String network = proxy.network().isEmpty() ? t.network() : proxy.network();
    String locality = proxy.locality().isEmpty() ? t.locality() : proxy.locality();
    WorkloadEntrySpec spec = new WorkloadEntrySpec(proxy.ip(), t.ports(), labels, network, locality, t.weight(),
        t.serviceAccount());
    String name = entryName(group.name(), proxy.ip(), proxy.network(), group.namespace());
    ObjectMeta meta = ObjectMeta.of(group.namespace(), name).withLabels(labels).withAnnotations(annotations)
        .withOwnerReferences(List.of(new OwnerReference(group.apiVersion(), Kind.WORKLOAD_GROUP.kindName(),
            group.name(), group.metadata().uid(), true, false)));
    return Resource.of(meta, spec);
  }

  /**
   * Whether auto-registration made {@code entry} for {@code group}: it carries
   * {@code istio.io/autoRegistrationGroup: <group>} and a controlling owner reference to that
   * WorkloadGroup, as {@link #fromGroup} writes them. Only such entries are updated, marked or deleted
   * by auto-registration; any other entry of the same name belongs to someone else.
   */
  static boolean ownedBy(Resource entry, String group) {
    return group.equals(entry.metadata().annotations().get(WellKnown.AUTO_REGISTRATION_GROUP))
        && entry.metadata().ownerReferences().stream().anyMatch(o -> o.controller()
            && o.kind().equals(Kind.WORKLOAD_GROUP.kindName()) && o.name().equals(group));
  }

  /** Whether auto-registration made {@code entry}, for whichever group its annotation names. */
  static boolean autoRegistered(Resource entry) {
    String group = entry.metadata().annotations().get(WellKnown.AUTO_REGISTRATION_GROUP);
    return group != null && ownedBy(entry, group);
  }

  /** Whether the proxy's config has a readiness probe ({@code PROXY_CONFIG.readinessProbe}). */
  static boolean runsProbe(Proxy proxy) {
    Value pc = proxy.metadata().getFieldsMap().get(Meta.PROXY_CONFIG);
    return pc != null && pc.hasStructValue() && pc.getStructValue().containsFields(Meta.READINESS_PROBE);
  }

  private static boolean hbone(Proxy proxy) {
    Value v = proxy.metadata().getFieldsMap().get(Meta.ENABLE_HBONE);
    return v != null && (v.getBoolValue() || "true".equalsIgnoreCase(v.getStringValue()));
  }

  /**
   * Why {@code proxy} may not own {@code entry}, or null when it may: it needs a verified identity in
   * the entry's namespace, with the entry's service account when the entry names one.
   */
  static String identityProblem(Proxy proxy, Resource entry, String trustDomain) {
    if (proxy.identity().isEmpty()) {
      return "the connection has no verified identity; connect over mTLS (15012) with a mesh certificate";
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(proxy.identity());
    } catch (IllegalArgumentException e) {
      return "the connection's identity is not a workload SPIFFE id: " + proxy.identity();
    }
    if (!id.trustDomain().equals(trustDomain)) {
      return "identity " + id + " is not in trust domain " + trustDomain;
    }
    if (!id.namespace().equals(entry.namespace())) {
      return "identity " + id + " is not in namespace " + entry.namespace() + " of " + entry.key();
    }
    String sa = entry.spec(WorkloadEntrySpec.class).serviceAccount();
    if (!sa.isEmpty() && !sa.equals(id.serviceAccount())) {
      return "identity " + id + " is not service account " + sa + " that " + entry.key() + " requires";
    }
    return null;
  }
}
