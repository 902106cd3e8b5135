package dev.vmesh.registry.scope;

import dev.vmesh.api.Resource;
import dev.vmesh.api.SidecarSpec;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code CompiledSidecar} is one Sidecar ready for selection and matching: its key and revision ({@code id}), when
 * it was created (the oldest wins), its selector (null for a namespace or mesh default), its egress listeners by port
 * and its catch-all listener, and its outbound mode (null: the mesh's).
 */
record CompiledSidecar(String id, String namespace, String name, Instant created, Map<String, String> selector,
    Map<Integer, EgressHosts> byPort, EgressHosts catchAll, SidecarSpec.OutboundMode outboundMode) {

  static CompiledSidecar of(Resource r, long revision) {
    SidecarSpec s = r.spec(SidecarSpec.class);
    Map<Integer, EgressHosts> byPort = new HashMap<>();
    EgressHosts catchAll = null;
    for (SidecarSpec.EgressListener l : s.egress()) {
      EgressHosts hosts = EgressHosts.of(l);
      if (hosts.port() == 0) {
        catchAll = catchAll == null ? hosts : catchAll; // validation allows one, the last
      } else {
        byPort.putIfAbsent(hosts.port(), hosts);
      }
    }
    return new CompiledSidecar(r.namespace() + "/" + r.name() + "#" + revision, r.namespace(), r.name(),
        r.metadata().creationTimestamp(), s.workloadSelector() == null ? null : s.workloadSelector().labels(),
        Map.copyOf(byPort), catchAll,
        s.outboundTrafficPolicy() == null ? null : s.outboundTrafficPolicy().effectiveMode());
  }

  /** Whether the selector (present) matches {@code labels}: every selector label with the same value. */
  boolean selects(Map<String, String> labels) {
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
