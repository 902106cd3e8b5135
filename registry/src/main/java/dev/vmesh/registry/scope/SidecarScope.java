package dev.vmesh.registry.scope;

import dev.vmesh.api.ServicePort;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.registry.Service;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code SidecarScope} is what one workload's Sidecar lets its proxy see: the services (and which of their ports)
 * its egress listeners import, and its own outbound traffic policy. {@link #ALL} is the scope without a Sidecar:
 * every visible service, the mesh's policy. Immutable; two scopes are equal when they come from the same revision
 * of the same Sidecar for the same namespace, so proxies with equal scopes get equal config.
 *
 * <p>A service port is in scope when the egress listener for that port number matches the service, or, when no
 * listener names that port, the catch-all listener (the one without port) does. Visibility ({@code exportTo}) is
 * applied before, by the caller: a scope only narrows what a namespace may see.
 */
public final class SidecarScope {
  /** No Sidecar applies: everything visible is in scope. */
  public static final SidecarScope ALL = new SidecarScope("", "", Map.of(), null, null);

  private final String id;
  private final String namespace;
  private final Map<Integer, EgressHosts> byPort;
  private final EgressHosts catchAll;
  private final SidecarSpec.OutboundMode outboundMode;

  private SidecarScope(String id, String namespace, Map<Integer, EgressHosts> byPort, EgressHosts catchAll,
      SidecarSpec.OutboundMode outboundMode) {
    this.id = id;
    this.namespace = namespace;
    this.byPort = byPort;
    this.catchAll = catchAll;
    this.outboundMode = outboundMode;
  }

  /** The scope {@code sidecar} (compiled, revision {@code id}) gives a workload of {@code namespace}. */
  static SidecarScope of(CompiledSidecar sidecar, String namespace) {
    return new SidecarScope(sidecar.id(), namespace, sidecar.byPort(), sidecar.catchAll(), sidecar.outboundMode());
  }

  /** True when no Sidecar applies. */
  public boolean isAll() {
    return this == ALL;
  }

  /**
   * Names the Sidecar and its revision ({@code namespace/name#revision}) and, for the mesh default, the namespace
   * it is applied to; empty for {@link #ALL}. Stable while the Sidecar does not change: a cache key.
   */
  public String id() {
    return id.isEmpty() ? "" : id + "@" + namespace;
  }

  /** The Sidecar's {@code outboundTrafficPolicy.mode}, or null when it has none (the mesh's applies). */
  public SidecarSpec.OutboundMode outboundMode() {
    return outboundMode;
  }

  /** The ports of {@code s} in scope, in its order: all of them for {@link #ALL}, none when it is not imported. */
  public List<ServicePort> ports(Service s) {
    if (isAll()) {
      return s.ports();
    }
    List<ServicePort> out = null;
    for (int i = 0; i < s.ports().size(); i++) {
      ServicePort p = s.ports().get(i);
      EgressHosts listener = byPort.getOrDefault(p.number(), catchAll);
      boolean in = listener != null && listener.matches(s, namespace);
      if (!in && out == null) {
        out = new ArrayList<>(s.ports().subList(0, i));
      } else if (in && out != null) {
        out.add(p);
      }
    }
    return out == null ? s.ports() : List.copyOf(out);
  }

  /** Whether any port of {@code s} is in scope. */
  public boolean imports(Service s) {
    if (isAll()) {
      return true;
    }
    for (ServicePort p : s.ports()) {
      EgressHosts listener = byPort.getOrDefault(p.number(), catchAll);
      if (listener != null && listener.matches(s, namespace)) {
        return true;
      }
    }
    return false;
  }

  /** Whether port {@code port} of {@code s} is in scope. */
  public boolean imports(Service s, int port) {
    if (isAll()) {
      return true;
    }
    EgressHosts listener = byPort.getOrDefault(port, catchAll);
    return listener != null && listener.matches(s, namespace);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SidecarScope other && id.equals(other.id) && namespace.equals(other.namespace);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, namespace);
  }

  @Override
  public String toString() {
    return isAll() ? "SidecarScope[all]" : "SidecarScope[" + id() + "]";
  }
}
