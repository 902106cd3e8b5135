package dev.vmesh.api;

/**
 * {@code MtlsMode} is a PeerAuthentication's mutual TLS mode, Istio's enum in Istio's order: UNSET inherits
 * from the level above (workload from namespace, namespace from mesh); DISABLE accepts plaintext only;
 * PERMISSIVE accepts mTLS and plaintext; STRICT requires mTLS.
 */
public enum MtlsMode {
  UNSET,
  DISABLE,
  PERMISSIVE,
  STRICT
}
