package dev.vmesh.registry.scope;

import dev.vmesh.api.Location;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Resolution;
import dev.vmesh.api.Resource;
import dev.vmesh.api.ServicePort;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.WorkloadSelector;
import dev.vmesh.registry.Service;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helper: Sidecars created at T0 plus a number of seconds, services with ports, and snapshots of them. */
final class Scopes {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String ROOT = "istio-system";

  private Scopes() {}

  /** A Sidecar with a catch-all egress listener of {@code hosts}; {@code selector} null for a default. */
  static Resource sidecar(String ns, String name, int age, Map<String, String> selector, String... hosts) {
    return sidecar(ns, name, age, selector, List.of(new SidecarSpec.EgressListener(null, List.of(hosts))), null);
  }

  static Resource sidecar(String ns, String name, int age, Map<String, String> selector,
      List<SidecarSpec.EgressListener> egress, SidecarSpec.OutboundMode mode) {
    return Resource.of(ObjectMeta.of(ns, name).withCreationTimestamp(age < 0 ? null : T0.plusSeconds(age)),
        new SidecarSpec(selector == null ? null : new WorkloadSelector(selector), egress,
            mode == null ? null : new SidecarSpec.OutboundTrafficPolicy(mode)));
  }

  /** An egress listener on {@code port} (0: the catch-all) with {@code hosts}. */
  static SidecarSpec.EgressListener listener(int port, String... hosts) {
    return new SidecarSpec.EgressListener(port == 0 ? null : new SidecarSpec.Port(port, "", ""), List.of(hosts));
  }

  static Sidecars snapshot(Resource... sidecars) {
    SidecarIndex index = new SidecarIndex(ROOT);
    index.load(List.of(sidecars));
    return index.snapshot();
  }

  /** A service {@code host} of {@code ns} with TCP ports {@code ports}. */
  static Service service(String host, String ns, int... ports) {
    List<ServicePort> ps = new ArrayList<>();
    for (int p : ports) {
      ps.add(new ServicePort(p, "TCP", "tcp-" + p, 0));
    }
    return new Service(host, ns, List.of(), false, Resolution.STATIC, Location.MESH_INTERNAL, ps, List.of(),
        List.of(), List.of(), List.of());
  }
}
