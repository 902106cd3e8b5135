package dev.vmesh.xds;

import dev.vmesh.api.NameTable;
import dev.vmesh.registry.ClusterKey;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Registry;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.network.GatewayConfig;
import dev.vmesh.registry.network.Networks;
import dev.vmesh.registry.scope.SidecarScope;
import dev.vmesh.registry.scope.Sidecars;
import dev.vmesh.api.ServicePort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * {@code MeshView} is how generators read the registry: the services a namespace can see, and lookups
 * by hostname and by cluster name that honour visibility (a proxy in namespace N sees a host defined in
 * N first, else the first namespace, alphabetically, that exports it to N). The methods taking a {@link Proxy}
 * also apply its Sidecar ({@link #scope}): only the services, and ports, its egress hosts import, and the host a
 * name resolves to chosen among those.
 */
public final class MeshView {
  private final Supplier<Registry> registry;
  private final SidecarOptions sidecar;
  private final Supplier<MtlsPolicies> mtls;

  public MeshView(Supplier<Registry> registry) {
    this(registry, SidecarOptions.DEFAULTS, () -> MtlsPolicies.of(registry.get().peerAuthentications()));
  }

  /** A view with mesh-wide settings {@code sidecar} and PeerAuthentication from {@code mtls}. */
  public MeshView(Supplier<Registry> registry, SidecarOptions sidecar, Supplier<MtlsPolicies> mtls) {
    this.registry = registry;
    this.sidecar = sidecar;
    this.mtls = mtls;
  }

  /** The mesh-wide settings of sidecar config. */
  public SidecarOptions sidecar() {
    return sidecar;
  }

  /** PeerAuthentication, composed. */
  public MtlsPolicies mtls() {
    return mtls.get();
  }

  public Registry registry() {
    return registry.get();
  }

  /** The Gateways and VirtualServices, now. */
  public GatewayConfig gatewayConfig() {
    return registry.get().gatewayConfig();
  }

  /** The network gateways and the networks of endpoints, now. */
  public Networks networks() {
    return registry.get().networks();
  }

  /**
   * The Sidecar scope of {@code proxy}: chosen by its namespace and its node's labels, which for VMs are the
   * workload's labels (istiod reads a VM's labels from its node the same way).
   */
  public SidecarScope scope(Proxy proxy) {
    Sidecars sidecars = registry.get().sidecars();
    return sidecars.isEmpty() ? SidecarScope.ALL : sidecars.forWorkload(proxy.namespace(), proxy.labels());
  }

  /** The mesh-wide settings with {@code proxy}'s Sidecar's outbound traffic policy, when it has one. */
  public SidecarOptions sidecar(Proxy proxy) {
    SidecarScope scope = scope(proxy);
    return scope.outboundMode() == null ? sidecar
        : sidecar.withOutboundTrafficPolicy(SidecarOptions.OutboundTrafficPolicy.valueOf(scope.outboundMode().name()));
  }

  /**
   * The services {@code proxy} sees: visible to its namespace and imported by its Sidecar, each with only the
   * ports in scope; sorted by hostname then namespace.
   */
  public List<Service> visibleServices(Proxy proxy) {
    SidecarScope scope = scope(proxy);
    if (scope.isAll()) {
      return visibleServices(proxy.namespace());
    }
    List<Service> out = new ArrayList<>();
    for (Service s : registry.get().services()) {
      if (s.isVisibleTo(proxy.namespace())) {
        List<ServicePort> ports = scope.ports(s);
        if (!ports.isEmpty()) {
          out.add(s.withPorts(ports));
        }
      }
    }
    return out;
  }

  /** The service {@code proxy} reaches as {@code hostname}: as {@link #service(String, String)}, among those in scope. */
  public Service service(String hostname, Proxy proxy) {
    SidecarScope scope = scope(proxy);
    if (scope.isAll()) {
      return service(hostname, proxy.namespace());
    }
    Service fallback = null;
    for (Service s : registry.get().servicesForHostname(hostname)) {
      if (!s.isVisibleTo(proxy.namespace()) || !scope.imports(s)) {
        continue;
      }
      if (s.namespace().equals(proxy.namespace())) {
        return s;
      }
      if (fallback == null) {
        fallback = s;
      }
    }
    return fallback;
  }

  /** Whether {@code s} is the service {@code proxy} reaches by its hostname. */
  public boolean isChosen(Service s, Proxy proxy) {
    Service chosen = service(s.hostname(), proxy);
    return chosen != null && chosen.namespace().equals(s.namespace());
  }

  /** The service and port of an outbound cluster, for {@code proxy}; null when it has no such cluster. */
  public ServicePortRef cluster(ClusterKey key, Proxy proxy) {
    if (key == null || key.direction() != ClusterKey.Direction.OUTBOUND || !key.subset().isEmpty()) {
      return null;
    }
    return servicePort(key.host(), key.port(), proxy);
  }

  /** The service {@code proxy} reaches as {@code hostname}, with its port {@code port} when in scope; or null. */
  public ServicePortRef servicePort(String hostname, int port, Proxy proxy) {
    Service s = service(hostname, proxy);
    if (s == null || !scope(proxy).imports(s, port)) {
      return null;
    }
    for (ServicePort p : s.ports()) {
      if (p.number() == port) {
        return new ServicePortRef(s, p);
      }
    }
    return null;
  }

  /** As {@link #hostPort(String, String)}, within {@code proxy}'s scope. */
  public ServicePortRef hostPort(String name, Proxy proxy) {
    int colon = name.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    try {
      return servicePort(name.substring(0, colon), Integer.parseInt(name.substring(colon + 1)), proxy);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The DNS name table {@code proxy}'s DNS proxy gets: its namespace's, with only the hosts of services in its
   * scope (as Istio builds NDS from the Sidecar's services: other names are not answered from the table and go
   * to the VM's upstream resolver).
   */
  public NameTable nameTable(Proxy proxy) {
    NameTable table = nameTable(proxy.namespace());
    SidecarScope scope = scope(proxy);
    if (scope.isAll()) {
      return table;
    }
    Map<String, NameTable.NameInfo> out = new HashMap<>();
    table.table().forEach((host, info) -> {
      for (Service s : registry.get().servicesForHostname(host)) {
        if (s.isVisibleTo(proxy.namespace()) && scope.imports(s)) {
          out.put(host, info);
          return;
        }
      }
    });
    return new NameTable(out);
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

  /** Whether {@code s} is the service a proxy in {@code namespace} reaches by its hostname. */
  public boolean isChosen(Service s, String namespace) {
    Service chosen = service(s.hostname(), namespace);
    return chosen != null && chosen.namespace().equals(s.namespace());
  }

  /** The ports {@code proxy}'s own workload serves: endpoint ports of services with an endpoint at its IPs. */
  public Set<Integer> inboundPorts(Proxy proxy) {
    return inbound(proxy).ports().keySet();
  }

  /**
   * What {@code proxy}'s own workload serves: each target port with the protocol of the first service
   * (by hostname) that sends traffic to it, which of those ports its endpoint runs with
   * {@code tlsMode: istio}, and the workload's labels (those of its endpoint, else the node's). Only
   * services of the proxy's own namespace count: an entry elsewhere that names the VM's address does not
   * shape its inbound side.
   */
  public Inbound inbound(Proxy proxy) {
    Map<Integer, String> ports = new TreeMap<>();
    Set<Integer> istioTls = new TreeSet<>();
    Map<String, String> labels = null;
    List<Service> services = new ArrayList<>();
    for (String ip : proxy.ips()) {
      services.addAll(registry.get().servicesWithEndpointAt(ip));
    }
    services.sort(Comparator.comparing(Service::hostname));
    for (Service s : services) {
      if (!s.namespace().equals(proxy.namespace())) {
        continue;
      }
      for (Endpoint e : s.endpoints()) {
        if (e.port() > 0 && proxy.ips().contains(e.address())) {
          if (labels == null) {
            labels = e.labels();
          }
          String protocol = "TCP";
          for (ServicePort p : s.ports()) {
            if (p.number() == e.servicePort()) {
              protocol = p.protocol();
            }
          }
          if (ports.putIfAbsent(e.port(), protocol) == null && Endpoint.TLS_ISTIO.equals(e.tlsMode())) {
            istioTls.add(e.port());
          }
        }
      }
    }
    return new Inbound(Collections.unmodifiableMap(ports), Collections.unmodifiableSet(istioTls),
        labels == null ? proxy.labels() : labels);
  }

  /**
   * The inbound side of a proxy's workload.
   *
   * @param ports protocol by target port, in port order
   * @param istioTls the target ports whose endpoint runs with {@code tlsMode: istio} (mesh clients send mTLS)
   */
  public record Inbound(Map<Integer, String> ports, Set<Integer> istioTls, Map<String, String> labels) {}

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
