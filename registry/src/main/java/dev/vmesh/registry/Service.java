package dev.vmesh.registry;

import dev.vmesh.api.Location;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.ServicePort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code Service} is one hostname in one namespace as proxies see it: the merge of every ServiceEntry
 * in that namespace naming the host (the oldest decides resolution, location and visibility; ports are
 * the union), with its addresses (user-given or auto-allocated) and endpoints sorted by address and
 * port. Immutable.
 */
public record Service(
    String hostname,
    String namespace,
    List<String> addresses,
    boolean autoAllocated,
    Resolution resolution,
    Location location,
    List<ServicePort> ports,
    List<String> exportTo,
    List<String> subjectAltNames,
    List<Endpoint> endpoints,
    List<String> serviceEntries) {

  public Service {
    addresses = List.copyOf(addresses);
    ports = List.copyOf(ports);
    exportTo = List.copyOf(exportTo);
    subjectAltNames = List.copyOf(subjectAltNames);
    endpoints = List.copyOf(endpoints);
    serviceEntries = List.copyOf(serviceEntries);
  }

  /** This service with only {@code ports} (a subset of its own, say those a proxy's Sidecar imports). */
  public Service withPorts(List<ServicePort> ports) {
    return ports.equals(this.ports) ? this : new Service(hostname, namespace, addresses, autoAllocated, resolution,
        location, ports, exportTo, subjectAltNames, endpoints, serviceEntries);
  }

  public ServiceKey key() {
    return new ServiceKey(hostname, namespace);
  }

  /**
   * The endpoints that receive traffic: healthy ones, one per service port and {@code address:port}.
   * Where several WorkloadEntries (or inline endpoints) give the same address and port, the first of
   * them in {@link Endpoint#ORDER} that is healthy serves it, with its labels, locality, network,
   * weight, identity and TLS mode; the others are kept in {@link #endpoints()} for debugging. (gRPC
   * clients reject a load assignment that names an address twice.)
   */
  public List<Endpoint> healthyEndpoints() {
    List<Endpoint> out = null;
    Endpoint kept = null;
    for (int i = 0; i < endpoints.size(); i++) {
      Endpoint e = endpoints.get(i);
      boolean serves = e.healthy() && (kept == null || !Endpoint.sameTarget(kept, e));
      if (serves) {
        kept = e;
      }
      if (!serves && out == null) {
        out = new ArrayList<>(endpoints.subList(0, i));
      } else if (serves && out != null) {
        out.add(e);
      }
    }
    return out == null ? endpoints : Collections.unmodifiableList(out);
  }

  /** Envoy's outbound cluster of {@code port}: {@code outbound|port||host}. */
  public ClusterKey cluster(int port) {
    return ClusterKey.outbound(hostname, port);
  }

  /** Outbound cluster names, one per port, in port order. */
  public List<String> clusters() {
    return ports.stream().map(p -> cluster(p.number()).name()).toList();
  }

  /** Whether proxies in {@code proxyNamespace} may see this service ({@code exportTo}; empty = everyone). */
  public boolean isVisibleTo(String proxyNamespace) {
    return isVisible(exportTo, namespace, proxyNamespace);
  }

  /** Whether proxies in {@code proxyNamespace} may see a service of {@code namespace} exported to {@code exportTo}. */
  static boolean isVisible(List<String> exportTo, String namespace, String proxyNamespace) {
    if (exportTo.isEmpty() || exportTo.contains("*")) {
      return true;
    }
    if (exportTo.contains("~")) {
      return false;
    }
    return exportTo.contains(proxyNamespace) || exportTo.contains(".") && namespace.equals(proxyNamespace);
  }
}
