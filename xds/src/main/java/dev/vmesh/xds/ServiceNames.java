package dev.vmesh.xds;

import dev.vmesh.api.ServicePort;
import dev.vmesh.registry.Service;
import dev.vmesh.registry.ServiceChange;
import java.util.Set;

/** {@code ServiceNames} builds the per-service resource names several types share, from a service change. */
final class ServiceNames {
  private ServiceNames() {}

  /** Adds {@code outbound|port||host} of every port the service had or has. */
  static void outboundClusters(ServiceChange change, Set<String> names) {
    for (Service s : change.states()) {
      for (ServicePort p : s.ports()) {
        names.add(s.cluster(p.number()).name());
      }
    }
  }

  /** Adds {@code host:port} (proxyless listener and route names) of every port the service had or has. */
  static void hostPorts(ServiceChange change, Set<String> names) {
    for (Service s : change.states()) {
      for (ServicePort p : s.ports()) {
        names.add(hostPort(s, p.number()));
      }
    }
  }

  /** {@code host:port}, the name of a proxyless client's listener and route config for a service port. */
  static String hostPort(Service s, int port) {
    return s.hostname() + ":" + port;
  }
}
