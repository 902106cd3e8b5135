package dev.vmesh.registry.security;

import dev.vmesh.api.MtlsMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Test helper: PeerAuthentication policies created at T0 plus a number of seconds. */
final class Policies {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private Policies() {}

  /** A policy without a selector (namespace-wide; mesh-wide in the root namespace). */
  static PeerAuthenticationPolicy wide(String ns, String name, int age, MtlsMode mode) {
    return new PeerAuthenticationPolicy(ns, name, T0.plusSeconds(age), Map.of(), mode, Map.of());
  }

  /** A policy selecting {@code selector}, with port-level modes. */
  static PeerAuthenticationPolicy selecting(String ns, String name, int age, Map<String, String> selector,
      MtlsMode mode, Map<Integer, MtlsMode> ports) {
    return new PeerAuthenticationPolicy(ns, name, T0.plusSeconds(age), selector, mode, ports);
  }

  static PeerAuthentications snapshot(PeerAuthenticationPolicy... policies) {
    return PeerAuthentications.of(PeerAuthentications.DEFAULT_ROOT_NAMESPACE, List.of(policies));
  }
}
