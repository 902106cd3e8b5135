package dev.vmesh.pki;

import dev.vmesh.api.validation.Names;

/** {@code SpiffeId} is a workload identity {@code spiffe://<trust domain>/ns/<namespace>/sa/<service account>}. */
public record SpiffeId(String trustDomain, String namespace, String serviceAccount) {

  public SpiffeId {
    if (!Names.isNamespaceName(namespace)) {
      throw new IllegalArgumentException("\"" + namespace + "\" is not a valid namespace");
    }
    if (!Names.isObjectName(serviceAccount)) {
      throw new IllegalArgumentException("\"" + serviceAccount + "\" is not a valid service account name");
    }
  }

  /** Parses a SPIFFE URI; throws IllegalArgumentException for anything not of the workload form. */
  public static SpiffeId parse(String uri) {
    if (!uri.startsWith("spiffe://")) {
      throw new IllegalArgumentException("not a SPIFFE id: " + uri);
    }
    String rest = uri.substring("spiffe://".length());
    String[] p = rest.split("/", -1);
    if (p.length != 5 || p[0].isEmpty() || !p[1].equals("ns") || !p[3].equals("sa")) {
      throw new IllegalArgumentException("not a workload SPIFFE id (spiffe://TD/ns/NS/sa/SA): " + uri);
    }
    return new SpiffeId(p[0], p[2], p[4]);
  }

  public String uri() {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  @Override
  public String toString() {
    return uri();
  }
}
