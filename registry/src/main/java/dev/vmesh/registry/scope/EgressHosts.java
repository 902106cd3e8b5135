package dev.vmesh.registry.scope;

import dev.vmesh.api.HostNames;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.registry.Service;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code EgressHosts} is one Sidecar egress listener, compiled: its port (0 for the catch-all) and its
 * {@code namespace/dnsName} hosts. A service matches when some host's namespace is {@code *}, or is the service's
 * ({@code .} standing for the namespace the scope is for), and the service's hostname is within the dnsName by
 * Istio's rules: {@code *} matches every host, {@code *.example.com} every host under example.com (and a wildcard
 * service host within it), anything else only itself. {@code ~} is no namespace: its hosts match nothing.
 */
record EgressHosts(int port, List<Host> hosts) {

  /** One {@code namespace/dnsName} entry. */
  record Host(String namespace, String dnsName) {}

  EgressHosts {
    hosts = List.copyOf(hosts);
  }

  static EgressHosts of(SidecarSpec.EgressListener listener) {
    List<Host> hosts = new ArrayList<>();
    for (String entry : listener.hosts()) {
      int slash = entry.indexOf('/');
      if (slash > 0) { // validation refuses anything else
        hosts.add(new Host(entry.substring(0, slash), entry.substring(slash + 1)));
      }
    }
    return new EgressHosts(listener.port() == null ? 0 : listener.port().number(), hosts);
  }

  /** Whether {@code s} is one of this listener's services for a workload whose {@code .} is {@code namespace}. */
  boolean matches(Service s, String namespace) {
    for (Host h : hosts) {
      String ns = h.namespace().equals(".") ? namespace : h.namespace();
      if ((ns.equals("*") || ns.equals(s.namespace()))
          && (h.dnsName().equals("*") || HostNames.subsetOf(s.hostname(), h.dnsName()))) {
        return true;
      }
    }
    return false;
  }
}
