package dev.vmesh.xds;

import dev.vmesh.api.NameTable;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.Service;
import dev.vmesh.api.ServicePort;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code MeshView} is how generators read the registry: the services a namespace can see, and lookups
 * by hostname and by cluster name that honour visibility (a proxy in namespace N sees a host defined in
 * N first, else the first namespace, alphabetically, that exports it to N).
 */
public final class MeshView {
  private final Supplier<Registry> registry;

  public MeshView(Supplier<Registry> registry) {
    this.registry = registry;
  }

  public Registry registry() {
    return registry.get();
  }

  /** Every service visible to proxies in {@code namespace}, sorted by hostname then namespace. */
  public List<Service> visibleServices(String namespace) {
    List<Service> out = new ArrayList<>();
    for (Service s : registry.get().services()) {
      if (s.isVisibleTo(namespace)) {
        out.add(s);
      }
    }
    return out;
  }

  /** The DNS name table proxies in {@code namespace} get: the registry's, as that namespace sees it. */
  public NameTable nameTable(String namespace) {
    return registry.get().nameTable(namespace);
  }

  /** The service a proxy in {@code namespace} reaches as {@code hostname}, or null. */
  public Service service(String hostname, String namespace) {
    Service fallback = null;
    for (Service s : registry.get().servicesForHostname(hostname)) {
      if (s.namespace().equals(namespace) && s.isVisibleTo(namespace)) {
        return s;
      }
      if (fallback == null && s.isVisibleTo(namespace)) {
        fallback = s;
      }
    }
    return fallback;
  }

  /** The ports {@code proxy}'s own workload serves: endpoint ports of services with an endpoint at its IPs. */
  public Set<Integer> inboundPorts(Proxy proxy) {
    Set<Integer> ports = new TreeSet<>();
    for (String ip : proxy.ips()) {
      for (Service s : registry.get().servicesWithEndpointAt(ip)) {
        for (Endpoint e : s.endpoints()) {
          if (e.address().equals(ip) && e.port() > 0) {
            ports.add(e.port());
          }
        }
      }
    }
    return ports;
  }

  /** A service and one of its ports. */
  public record ServicePortRef(Service service, ServicePort port) {}

  /** The service and port an outbound cluster without subset refers to, for {@code namespace}; or null. */
  public ServicePortRef cluster(ClusterKey key, String namespace) {
    if (key == null || key.direction() != ClusterKey.Direction.OUTBOUND || !key.subset().isEmpty()) {
      return null;
    }
    return servicePort(key.host(), key.port(), namespace);
  }

  /** The service a proxy in {@code namespace} reaches as {@code hostname}, with its port {@code port}; or null. */
  public ServicePortRef servicePort(String hostname, int port, String namespace) {
    Service s = service(hostname, namespace);
    if (s == null) {
      return null;
    }
    for (ServicePort p : s.ports()) {
      if (p.number() == port) {
        return new ServicePortRef(s, p);
      }
    }
    return null;
  }

  /** The service and port a proxyless listener / route name {@code host:port} refers to, or null. */
  public ServicePortRef hostPort(String name, String namespace) {
    int colon = name.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    int port;
    try {
      port = Integer.parseInt(name.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    return servicePort(name.substring(0, colon), port, namespace);
  }
}
