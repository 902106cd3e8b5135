package dev.vmesh.api;

/** {@code Resolution} says how a ServiceEntry's endpoints are found (Istio's numbering). */
public enum Resolution {
  NONE,
  STATIC,
  DNS,
  DNS_ROUND_ROBIN,
  DYNAMIC_DNS;

  /** True for DNS and DNS_ROUND_ROBIN, where hostnames may stand as endpoint addresses. */
  public boolean isDns() {
    return this == DNS || this == DNS_ROUND_ROBIN;
  }
}
