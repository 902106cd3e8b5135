package dev.vmesh.api.validation;

import dev.vmesh.api.PeerAuthenticationSpec;
import dev.vmesh.api.codec.FieldPaths;

/**
 * {@code PeerAuthenticationRules} validates a PeerAuthentication as Istio's CRD schema and webhook do:
 * port-level settings only on a policy that selects workloads, never an empty {@code portLevelMtls},
 * ports in 1..65535, and the selector's labels.
 */
final class PeerAuthenticationRules {
  /** The CRD's {@code maxProperties} for {@code selector.matchLabels}. */
  static final int MAX_SELECTOR_LABELS = 4096;

  private PeerAuthenticationRules() {}

  static void validate(PeerAuthenticationSpec s, Findings f) {
    if (!s.hasWorkloadSelector() && !s.ports().isEmpty()) {
      f.error("spec.portLevelMtls", "a mesh-wide or namespace-wide PeerAuthentication cannot have portLevelMtls: "
          + "name the workloads in selector.matchLabels, or remove portLevelMtls");
    }
    if (s.portLevelMtls() != null && s.portLevelMtls().isEmpty()) {
      f.error("spec.portLevelMtls", "portLevelMtls needs at least one port when present; remove it or add a port");
    }
    for (int port : s.ports().keySet()) {
      if (port < 1 || port > 65535) {
        f.error(FieldPaths.child("spec.portLevelMtls", Integer.toString(port)), port + " is not in 1..65535");
      }
    }
    if (s.selector() != null) {
      SelectorRules.validate("spec.selector", "spec.selector.matchLabels", s.selector().labels(),
          MAX_SELECTOR_LABELS, f);
    }
  }
}
