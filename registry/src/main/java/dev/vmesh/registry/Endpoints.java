package dev.vmesh.registry;

import dev.vmesh.api.ServiceEntrySpec;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.WorkloadEntrySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code Endpoints} turns a workload (or a DNS host) into the endpoints it gives a ServiceEntry, one per port. */
final class Endpoints {
  private Endpoints() {}

  /**
   * One endpoint per ServiceEntry port. The endpoint port is, in order: 0 for unix sockets, the
   * WorkloadEntry's {@code ports[<service port name>]}, the ServiceEntry's {@code targetPort}, the port
   * number.
   */
  static List<Endpoint> of(Workload w, ServiceEntrySpec se) {
    List<Endpoint> out = new ArrayList<>(se.ports().size());
    boolean unix = w.address().startsWith(WorkloadEntrySpec.UNIX_PREFIX);
    String address = unix ? w.address().substring(WorkloadEntrySpec.UNIX_PREFIX.length()) : w.address();
    for (ServicePort p : se.ports()) {
      int port;
      if (unix) {
        port = 0;
      } else {
        Integer named = w.ports().get(p.name());
        port = named != null && named > 0 ? named : p.effectiveTargetPort();
      }
      out.add(new Endpoint(address, port, p.number(), w.labels(), w.network(), w.locality(), Math.max(1, w.weight()),
          w.serviceAccount(), w.tlsMode(), w.owner(), w.healthy()));
    }
    return out;
  }

  /** For DNS resolution without endpoints: the host itself, one endpoint per port, plain text. */
  static List<Endpoint> ofHost(String host, ServiceEntrySpec se) {
    List<Endpoint> out = new ArrayList<>(se.ports().size());
    for (ServicePort p : se.ports()) {
      out.add(new Endpoint(host, p.effectiveTargetPort(), p.number(), Map.of(), "", "", 1, "",
          Endpoint.TLS_DISABLED, "", true));
    }
    return out;
  }
}
