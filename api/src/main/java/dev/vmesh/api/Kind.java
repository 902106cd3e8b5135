package dev.vmesh.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** {@code Kind} names the Istio resource kinds vmesh understands, with their API group, versions and CLI aliases. */
public enum Kind {
  SERVICE_ENTRY("ServiceEntry", "serviceentries", "se"),
  WORKLOAD_ENTRY("WorkloadEntry", "workloadentries", "we"),
  WORKLOAD_GROUP("WorkloadGroup", "workloadgroups", "wg");

  /** The API group of every kind here. */
  public static final String GROUP = "networking.istio.io";
  /** Versions served, storage version first. The three share one schema. */
  public static final List<String> VERSIONS = List.of("v1", "v1beta1", "v1alpha3");
  /** The apiVersion written on objects vmesh creates. */
  public static final String DEFAULT_API_VERSION = GROUP + "/" + VERSIONS.get(0);

  private final String kindName;
  private final String plural;
  private final String shortName;

  Kind(String kindName, String plural, String shortName) {
    this.kindName = kindName;
    this.plural = plural;
    this.shortName = shortName;
  }

  /** The Kubernetes {@code kind} string, e.g. {@code ServiceEntry}. */
  public String kindName() {
    return kindName;
  }

  /** The lower-case plural resource name, e.g. {@code serviceentries}. */
  public String plural() {
    return plural;
  }

  /** The short name, e.g. {@code se}. */
  public String shortName() {
    return shortName;
  }

  /** Finds a kind by its {@code kind} string (exact, as in YAML). */
  public static Optional<Kind> fromKindName(String name) {
    return Arrays.stream(values()).filter(k -> k.kindName.equals(name)).findFirst();
  }

  /**
   * Finds a kind by any name a user may type on the command line: kind, lower-case kind, singular,
   * plural or short name.
   */
  public static Optional<Kind> fromUserName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(k -> k.kindName.toLowerCase(Locale.ROOT).equals(n) || k.plural.equals(n) || k.shortName.equals(n))
        .findFirst();
  }

  /** True when {@code apiVersion} is {@code networking.istio.io/<one of VERSIONS>}. */
  public static boolean isSupportedApiVersion(String apiVersion) {
    return apiVersion != null
        && apiVersion.startsWith(GROUP + "/")
        && VERSIONS.contains(apiVersion.substring(GROUP.length() + 1));
  }
}
