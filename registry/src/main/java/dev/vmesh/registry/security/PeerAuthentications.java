package dev.vmesh.registry.security;

import dev.vmesh.api.MtlsMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code PeerAuthentications} is an immutable snapshot of every PeerAuthentication, answering what mTLS a
 * workload's inbound side accepts, composed as Istio composes it:
 *
 * <ul>
 *   <li>three levels: mesh (a policy without selector in the root namespace), namespace (without selector in the
 *       workload's namespace), workload (with a selector matching the workload's labels, in its namespace);
 *       selector policies in the root namespace apply to nothing;
 *   <li>at each level only the oldest policy counts ({@link PeerAuthenticationPolicy#OLDEST_FIRST});
 *   <li>the mode starts at PERMISSIVE and each level that is not UNSET overrides the one above;
 *   <li>{@code portLevelMtls} counts only on the workload level; an UNSET port takes the workload's mode.
 * </ul>
 *
 * <p>Any thread may read a snapshot. {@link #with} and {@link #without} return a new snapshot sharing all other
 * namespaces with this one, so one change costs the size of its namespace, not of the mesh.
 */
public final class PeerAuthentications {
  /** Istio's default root namespace ({@code MeshConfig.rootNamespace}). */
  public static final String DEFAULT_ROOT_NAMESPACE = "istio-system";

  private final String rootNamespace;
  private final Map<String, NamespacePolicies> byNamespace;

  private PeerAuthentications(String rootNamespace, Map<String, NamespacePolicies> byNamespace) {
    this.rootNamespace = Objects.requireNonNull(rootNamespace, "rootNamespace");
    this.byNamespace = Map.copyOf(byNamespace);
  }

  /** No policies: every workload is PERMISSIVE. */
  public static PeerAuthentications empty(String rootNamespace) {
    return new PeerAuthentications(rootNamespace, Map.of());
  }

  /** A snapshot of {@code policies} (two of the same namespace and name: the later one counts). */
  public static PeerAuthentications of(String rootNamespace, Collection<PeerAuthenticationPolicy> policies) {
    Map<String, Map<String, PeerAuthenticationPolicy>> grouped = new HashMap<>();
    for (PeerAuthenticationPolicy p : policies) {
      grouped.computeIfAbsent(p.namespace(), n -> new HashMap<>()).put(p.name(), p);
    }
    Map<String, NamespacePolicies> out = new HashMap<>();
    grouped.forEach((ns, byName) -> out.put(ns, NamespacePolicies.of(byName)));
    return new PeerAuthentications(rootNamespace, out);
  }

  /** The namespace whose selector-less policy is the mesh's. */
  public String rootNamespace() {
    return rootNamespace;
  }

  /** This snapshot with {@code p} added, or replacing the policy of the same namespace and name. */
  public PeerAuthentications with(PeerAuthenticationPolicy p) {
    NamespacePolicies old = byNamespace.get(p.namespace());
    Map<String, NamespacePolicies> next = new HashMap<>(byNamespace);
    next.put(p.namespace(), old == null ? NamespacePolicies.of(Map.of(p.name(), p)) : old.with(p));
    return new PeerAuthentications(rootNamespace, next);
  }

  /** This snapshot without the policy {@code namespace/name} (the same snapshot if there is none). */
  public PeerAuthentications without(String namespace, String name) {
    NamespacePolicies old = byNamespace.get(namespace);
    if (old == null || old.get(name) == null) {
      return this;
    }
    Map<String, NamespacePolicies> next = new HashMap<>(byNamespace);
    NamespacePolicies rest = old.without(name);
    if (rest == null) {
      next.remove(namespace);
    } else {
      next.put(namespace, rest);
    }
    return new PeerAuthentications(rootNamespace, next);
  }

  /** The policy {@code namespace/name}, if there is one. */
  public Optional<PeerAuthenticationPolicy> get(String namespace, String name) {
    NamespacePolicies ns = byNamespace.get(namespace);
    return Optional.ofNullable(ns == null ? null : ns.get(name));
  }

  /** How many policies there are. */
  public int size() {
    return byNamespace.values().stream().mapToInt(NamespacePolicies::size).sum();
  }

  /** Every policy, in {@link PeerAuthenticationPolicy#OLDEST_FIRST} order. */
  public List<PeerAuthenticationPolicy> policies() {
    List<PeerAuthenticationPolicy> out = new ArrayList<>();
    byNamespace.values().forEach(ns -> ns.all().forEach(out::add));
    out.sort(PeerAuthenticationPolicy.OLDEST_FIRST);
    return out;
  }

  /**
   * The mTLS a workload accepts on its inbound side.
   *
   * @param namespace the workload's namespace
   * @param labels the workload's labels (a WorkloadEntry's, or a proxy's from its node metadata)
   */
  public WorkloadMtls forWorkload(String namespace, Map<String, String> labels) {
    MtlsMode mode = MtlsMode.PERMISSIVE;
    mode = override(mode, namespaceWide(rootNamespace));
    if (namespace.equals(rootNamespace)) {
      return mode == MtlsMode.PERMISSIVE ? WorkloadMtls.DEFAULT : new WorkloadMtls(mode, Map.of());
    }
    mode = override(mode, namespaceWide(namespace));
    NamespacePolicies own = byNamespace.get(namespace);
    PeerAuthenticationPolicy workload = own == null ? null : own.oldestSelecting(labels);
    if (workload == null) {
      return mode == MtlsMode.PERMISSIVE ? WorkloadMtls.DEFAULT : new WorkloadMtls(mode, Map.of());
    }
    mode = override(mode, workload);
    Map<Integer, MtlsMode> ports = new HashMap<>();
    for (Map.Entry<Integer, MtlsMode> e : workload.ports().entrySet()) {
      ports.put(e.getKey(), e.getValue() == MtlsMode.UNSET ? mode : e.getValue());
    }
    return new WorkloadMtls(mode, ports);
  }

  /**
   * The mode a workload accepts on one of its own ports: {@code forWorkload(namespace, labels).forPort(port)}.
   *
   * @param port the workload's port (the target port), not a service port
   */
  public MtlsMode effectiveMode(String namespace, Map<String, String> labels, int port) {
    return forWorkload(namespace, labels).forPort(port);
  }

  /**
   * The mode of a namespace for client-side decisions (Istio's auto-mTLS asks this of a service's namespace):
   * its namespace-wide policy's mode, UNSET or absent inheriting the mesh's, and PERMISSIVE when neither says.
   * Workload policies are not consulted, as in Istio.
   */
  public MtlsMode namespaceMode(String namespace) {
    MtlsMode mode = override(MtlsMode.PERMISSIVE, namespaceWide(rootNamespace));
    return namespace.equals(rootNamespace) ? mode : override(mode, namespaceWide(namespace));
  }

  /**
   * Policies that apply to nothing, each with why, for diagnostics: a namespace-wide policy that is not the
   * oldest of its namespace (Istio logs the same warning), and selector policies in the root namespace.
   */
  public List<String> unused() {
    List<String> out = new ArrayList<>();
    for (PeerAuthenticationPolicy p : policies()) {
      NamespacePolicies ns = byNamespace.get(p.namespace());
      PeerAuthenticationPolicy wide = ns.namespaceWide();
      if (p.namespaceWide() && wide != p) {
        out.add("PeerAuthentication " + p.namespace() + "/" + p.name() + " is not used: " + p.namespace()
            + " already has the older " + (p.namespace().equals(rootNamespace) ? "mesh-wide" : "namespace-wide")
            + " policy " + wide.name() + " (only the oldest without a selector counts)");
      } else if (!p.namespaceWide() && p.namespace().equals(rootNamespace)) {
        out.add("PeerAuthentication " + p.namespace() + "/" + p.name() + " is not used: a policy with a selector"
            + " in the root namespace " + rootNamespace + " applies to no workload (move it to the workload's"
            + " namespace, or drop the selector to make it mesh-wide)");
      }
    }
    return out;
  }

  private PeerAuthenticationPolicy namespaceWide(String namespace) {
    NamespacePolicies ns = byNamespace.get(namespace);
    return ns == null ? null : ns.namespaceWide();
  }

  private static MtlsMode override(MtlsMode inherited, PeerAuthenticationPolicy level) {
    return level == null || level.mode() == MtlsMode.UNSET ? inherited : level.mode();
  }
}
