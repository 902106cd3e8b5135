package dev.vmesh.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code Kind} names the Istio resource kinds vmesh understands, each with its API group, the versions
 * it is served in (the version vmesh writes first) and its CLI short name, as Istio's CRDs declare them.
 */
public enum Kind {
  SERVICE_ENTRY("ServiceEntry", "serviceentries", "se", Kind.NETWORKING, Versions.NETWORKING),
  WORKLOAD_ENTRY("WorkloadEntry", "workloadentries", "we", Kind.NETWORKING, Versions.NETWORKING),
  WORKLOAD_GROUP("WorkloadGroup", "workloadgroups", "wg", Kind.NETWORKING, Versions.NETWORKING),
  PEER_AUTHENTICATION("PeerAuthentication", "peerauthentications", "pa", Kind.SECURITY, List.of("v1", "v1beta1")),
  GATEWAY("Gateway", "gateways", "gw", Kind.NETWORKING, Versions.NETWORKING),
  VIRTUAL_SERVICE("VirtualService", "virtualservices", "vs", Kind.NETWORKING, Versions.NETWORKING),
  /** Istio's CRD declares no short name for sidecars. */
  SIDECAR("Sidecar", "sidecars", "", Kind.NETWORKING, Versions.NETWORKING);

  /** Istio's traffic API group. */
  public static final String NETWORKING = "networking.istio.io";
  /** Istio's security API group. */
  public static final String SECURITY = "security.istio.io";

  /** Version lists shared by several kinds (a holder: enum constants cannot read the enum's own statics). */
  private static final class Versions {
    /** The versions Istio serves its networking kinds in. */
    static final List<String> NETWORKING = List.of("v1", "v1beta1", "v1alpha3");
  }

  private final String kindName;
  private final String plural;
  private final String shortName;
  private final String group;
  private final List<String> versions;

  Kind(String kindName, String plural, String shortName, String group, List<String> versions) {
    this.kindName = kindName;
    this.plural = plural;
    this.shortName = shortName;
    this.group = group;
    this.versions = versions;
  }

  /** The Kubernetes {@code kind} string, e.g. {@code ServiceEntry}. */
  public String kindName() {
    return kindName;
  }

  /** The lower-case plural resource name, e.g. {@code serviceentries}. */
  public String plural() {
    return plural;
  }

  /** The short name, e.g. {@code se}; empty for kinds Istio gives none (Sidecar). */
  public String shortName() {
    return shortName;
  }

  /** The API group, e.g. {@code networking.istio.io}. */
  public String group() {
    return group;
  }

  /** The versions served, the one vmesh writes first (all share one schema). */
  public List<String> versions() {
    return versions;
  }

  /** The apiVersion written on objects vmesh creates, e.g. {@code security.istio.io/v1}. */
  public String defaultApiVersion() {
    return group + "/" + versions.get(0);
  }

  /** The name of Istio's CRD for this kind, e.g. {@code peerauthentications.security.istio.io}. */
  public String crdName() {
    return plural + "." + group;
  }

  /** True when {@code apiVersion} is {@code <group>/<one of versions()>}. */
  public boolean servesApiVersion(String apiVersion) {
    return apiVersion != null && apiVersion.startsWith(group + "/")
        && versions.contains(apiVersion.substring(group.length() + 1));
  }

  /** The versions as users write them after the group: {@code v1 (or v1beta1, v1alpha3)}. */
  public String describeVersions() {
    return versions.get(0) + (versions.size() == 1 ? ""
        : " (or " + String.join(", ", versions.subList(1, versions.size())) + ")");
  }

  /** The API groups of all kinds, each once. */
  public static List<String> groups() {
    return Arrays.stream(values()).map(Kind::group).distinct().toList();
  }

  /** Finds a kind by its {@code kind} string (exact, as in YAML). */
  public static Optional<Kind> fromKindName(String name) {
    return Arrays.stream(values()).filter(k -> k.kindName.equals(name)).findFirst();
  }

  /** Finds a kind by its API group and plural, as in a Kubernetes API path. */
  public static Optional<Kind> fromPlural(String group, String plural) {
    return Arrays.stream(values()).filter(k -> k.group.equals(group) && k.plural.equals(plural)).findFirst();
  }

  /**
   * Finds a kind by any name a user may type on the command line: kind, lower-case kind, singular,
   * plural or short name.
   */
  public static Optional<Kind> fromUserName(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(k -> k.kindName.toLowerCase(Locale.ROOT).equals(n) || k.plural.equals(n)
            || !k.shortName.isEmpty() && k.shortName.equals(n))
        .findFirst();
  }

  /** Every kind's name for messages: {@code ServiceEntry, WorkloadEntry, ... and VirtualService}. */
  public static String kindNames(String lastJoiner) {
    List<String> names = Arrays.stream(values()).map(Kind::kindName).toList();
    return String.join(", ", names.subList(0, names.size() - 1)) + " " + lastJoiner + " " + names.getLast();
  }

  /** Every kind as users type it on the command line: {@code serviceentries (se), ..., sidecars}. */
  public static String userNames() {
    return Arrays.stream(values()).map(k -> k.plural + (k.shortName.isEmpty() ? "" : " (" + k.shortName + ")"))
        .collect(Collectors.joining(", "));
  }
}
