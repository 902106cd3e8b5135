package dev.vmesh.xds;

import dev.vmesh.api.Location;
import dev.vmesh.registry.Endpoint;
import dev.vmesh.registry.Service;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code AutoMtls} is Istio's automatic mTLS for sidecar clients (no DestinationRule), two gates:
 * whether a service's clusters may use mTLS at all (not MESH_EXTERNAL, and its namespace's mode, else the
 * mesh's, is not DISABLE: workload-level policies are not consulted here, as in Istio), and which of its
 * endpoints take it (their {@code tlsMode} is {@code istio} and the policy of their own workload at their
 * port is not DISABLE); the others get plain text.
 */
final class AutoMtls {
  private AutoMtls() {}

  /** Whether clusters of {@code s} carry the per-endpoint mTLS socket. */
  static boolean forService(Service s, MtlsPolicies policies) {
    return s.location() != Location.MESH_EXTERNAL && policies.namespaceMode(s.namespace()) != MtlsPolicies.Mode.DISABLE;
  }

  /** Whether {@code e} of {@code s} gets {@code tlsMode: istio} metadata. */
  static boolean forEndpoint(Service s, Endpoint e, MtlsPolicies policies) {
    return Endpoint.TLS_ISTIO.equals(e.tlsMode())
        && policies.forWorkload(s.namespace(), e.labels()).forPort(e.port()) != MtlsPolicies.Mode.DISABLE;
  }

  /** The identities a client accepts from {@code s}: its endpoints' SPIFFE ids and its subjectAltNames, sorted. */
  static Set<String> identities(Service s) {
    Set<String> out = new TreeSet<>(s.subjectAltNames());
    for (Endpoint e : s.endpoints()) {
      if (!e.serviceAccount().isEmpty()) {
        out.add(e.serviceAccount());
      }
    }
    return out;
  }
}
