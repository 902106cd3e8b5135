package dev.vmesh.xds;

import java.util.Set;

/**
 * {@code Generator} builds the resources of one xDS type for a proxy: which names it gets when it
 * subscribes to everything, and each resource by name. Implementations are stateless; caching is done
 * by {@link ResourceCache} using {@link #cacheVariant}.
 */
public interface Generator {
  String typeUrl();

  /** The names a wildcard subscription of {@code proxy} covers. */
  Set<String> wildcardNames(Proxy proxy, MeshView mesh);

  /** The resource named {@code name} as {@code proxy} should see it, or null if it does not exist for it. */
  XdsResource generate(Proxy proxy, String name, MeshView mesh);

  /**
   * Proxies with the same variant get byte-identical resources for the same name (including "does not
   * exist"), so one generated copy serves them all. Visibility depends on the namespace, so it is
   * part of every variant.
   */
  default String cacheVariant(Proxy proxy) {
    return (proxy.proxyless() ? "grpc/" : "envoy/") + proxy.namespace();
  }
}
