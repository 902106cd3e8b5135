package dev.vmesh.registry;

import dev.vmesh.api.MeshNetworks;
import dev.vmesh.registry.security.PeerAuthentications;
import java.util.Objects;

/**
 * {@code RegistryOptions} are the mesh settings the registry's results depend on.
 *
 * @param trustDomain SPIFFE trust domain of workload identities ({@code cluster.local} by default)
 * @param autoAllocate whether hosts without addresses get virtual IPs (Istio's
 *     {@code PILOT_ENABLE_IP_AUTOALLOCATE})
 * @param ipv4Pool the IPv4 prefix virtual IPs come from ({@code PILOT_IP_AUTOALLOCATE_IPV4_PREFIX})
 * @param ipv6Pool the IPv6 prefix virtual IPs come from ({@code PILOT_IP_AUTOALLOCATE_IPV6_PREFIX})
 * @param rootNamespace the namespace whose selector-less PeerAuthentication is mesh-wide (Istio's
 *     {@code MeshConfig.rootNamespace}, {@code istio-system} by default)
 * @param meshNetworks Istio's {@code meshNetworks}: gateways per network, networks of endpoints by address
 */
public record RegistryOptions(String trustDomain, boolean autoAllocate, String ipv4Pool, String ipv6Pool,
    String rootNamespace, MeshNetworks meshNetworks) {
  public static final RegistryOptions DEFAULTS = new RegistryOptions("cluster.local", true, "240.240.0.0/16",
      "2001:2::/48", PeerAuthentications.DEFAULT_ROOT_NAMESPACE);

  public RegistryOptions {
    meshNetworks = Objects.requireNonNullElse(meshNetworks, MeshNetworks.NONE);
  }

  /** Options without meshNetworks. */
  public RegistryOptions(String trustDomain, boolean autoAllocate, String ipv4Pool, String ipv6Pool,
      String rootNamespace) {
    this(trustDomain, autoAllocate, ipv4Pool, ipv6Pool, rootNamespace, MeshNetworks.NONE);
  }

  /** Options with Istio's default root namespace. */
  public RegistryOptions(String trustDomain, boolean autoAllocate, String ipv4Pool, String ipv6Pool) {
    this(trustDomain, autoAllocate, ipv4Pool, ipv6Pool, PeerAuthentications.DEFAULT_ROOT_NAMESPACE);
  }

  public RegistryOptions withTrustDomain(String td) {
    return new RegistryOptions(td, autoAllocate, ipv4Pool, ipv6Pool, rootNamespace, meshNetworks);
  }

  public RegistryOptions withPools(String v4, String v6) {
    return new RegistryOptions(trustDomain, autoAllocate, v4, v6, rootNamespace, meshNetworks);
  }

  public RegistryOptions withRootNamespace(String namespace) {
    return new RegistryOptions(trustDomain, autoAllocate, ipv4Pool, ipv6Pool, namespace, meshNetworks);
  }

  public RegistryOptions withMeshNetworks(MeshNetworks networks) {
    return new RegistryOptions(trustDomain, autoAllocate, ipv4Pool, ipv6Pool, rootNamespace, networks);
  }
}
