package dev.vmesh.api.validation;

import dev.vmesh.api.Kind;
import dev.vmesh.api.ObjectMeta;
import dev.vmesh.api.Problem;
import dev.vmesh.api.Protocols;
import dev.vmesh.api.Resource;
import dev.vmesh.api.SidecarSpec;
import dev.vmesh.api.SidecarSpec.EgressListener;
import dev.vmesh.api.codec.ResourceDecoder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code SidecarRules} validates a Sidecar as Istio's webhook does: the selector's labels (none is a warning), not
 * empty, at most one egress listener without port and only as the last one, egress ports valid and unique, every
 * listener with hosts of the form {@code namespace/dnsName} (namespace {@code *}, {@code .}, {@code ~} or a DNS label;
 * dnsName {@code *}, {@code *.suffix} or a fully qualified name), and Istio's warnings for hosts listed twice and for
 * {@code *}{@code /*} next to other hosts. The fields vmesh does not implement are refused while decoding.
 */
final class SidecarRules {
  /** The CRD's {@code maxProperties} for {@code workloadSelector.labels}. */
  static final int MAX_SELECTOR_LABELS = 256;

  private SidecarRules() {}

  static void validate(ObjectMeta meta, SidecarSpec s, Findings f) {
    if (s.workloadSelector() != null) {
      SelectorRules.validate("spec.workloadSelector", "spec.workloadSelector.labels", s.workloadSelector().labels(),
          MAX_SELECTOR_LABELS, f);
    }
    if (s.egress().isEmpty() && s.outboundTrafficPolicy() == null) {
      f.error("spec", "a Sidecar needs egress or outboundTrafficPolicy (Istio refuses an empty one), e.g."
          + " egress: [{hosts: [\"./*\", \"istio-system/*\"]}]");
    }
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < s.egress().size(); i++) {
      EgressListener e = s.egress().get(i);
      String path = "spec.egress[" + i + "]";
      if (e.port() == null) {
        if (i != s.egress().size() - 1) {
          f.error(path, "the egress listener without port (the catch-all) must be the last one; move it to the end"
              + " or give it a port");
        }
      } else {
        port(path + ".port", e.port(), f);
        if (e.port().number() > 0 && !ports.add(e.port().number())) {
          f.error(path + ".port.number", "port " + e.port().number() + " is already used by another egress listener;"
              + " each port may have one listener (list all its hosts there)");
        }
      }
      hosts(path + ".hosts", e.hosts(), meta.namespace(), f);
    }
    if (s.outboundTrafficPolicy() != null && s.outboundTrafficPolicy().mode() == null) {
      f.warning("spec.outboundTrafficPolicy", "outboundTrafficPolicy without mode means REGISTRY_ONLY (the field's"
          + " default in Istio): unknown destinations are refused; write mode: REGISTRY_ONLY or ALLOW_ANY to say so");
    }
  }

  private static void port(String path, SidecarSpec.Port p, Findings f) {
    if (p.number() == 0) {
      f.error(path + ".number", "number is required (1..65535); listeners on unix domain sockets (number 0 with a"
          + " unix:// bind) are not supported by vmesh yet");
    }
    if (!p.name().isEmpty() && !Names.isDns1123Label(p.name())) {
      f.error(path + ".name", "invalid port name \"" + p.name() + "\": use a DNS label (at most 63 letters, digits"
          + " and '-'), e.g. http");
    }
    if (!p.protocol().isEmpty() && Protocols.canonical(p.protocol()).isEmpty()) {
      f.error(path + ".protocol", "unrecognized protocol \"" + p.protocol() + "\"; use one of HTTP, HTTPS, GRPC,"
          + " GRPC-WEB, HTTP2, MONGO, REDIS, MYSQL, TCP, TLS, or leave it out");
    }
  }

  private static void hosts(String path, List<String> hosts, String namespace, Findings f) {
    if (hosts.isEmpty()) {
      f.error(path, "an egress listener needs at least one host, e.g. \"./*\" (the Sidecar's namespace) or"
          + " \"istio-system/*\"");
      return;
    }
    Map<String, Set<String>> byNamespace = new HashMap<>();
    for (int j = 0; j < hosts.size(); j++) {
      String entry = hosts.get(j);
      String where = path + "[" + j + "]";
      String problem = hostProblem(entry);
      if (problem != null) {
        f.error(where, "invalid host \"" + entry + "\": " + problem);
        continue;
      }
      int slash = entry.indexOf('/');
      String ns = entry.substring(0, slash).equals(".") ? namespace : entry.substring(0, slash);
      String dns = entry.substring(slash + 1);
      Set<String> seen = byNamespace.computeIfAbsent(ns, k -> new HashSet<>());
      if (dns.equals("*") ? !seen.isEmpty() : seen.contains(dns) || seen.contains("*")) {
        f.warning(where, "duplicated egress host: " + entry + " is already covered by another host of this listener");
      }
      seen.add(dns);
    }
    if (byNamespace.getOrDefault("*", Set.of()).contains("*") && byNamespace.size() != 1) {
      f.warning(path, "\"*/*\" selects every service; the other hosts of this listener add nothing");
    }
  }

  /** Istio's rule for a Sidecar host, or null when {@code entry} follows it. */
  static String hostProblem(String entry) {
    int slash = entry.indexOf('/');
    if (slash < 0) {
      return "a Sidecar host must be namespace/dnsName, e.g. \"*/" + entry + "\" or \"./" + entry + "\"";
    }
    String ns = entry.substring(0, slash);
    String host = entry.substring(slash + 1);
    if (ns.isEmpty() || host.isEmpty()) {
      return "the namespace and the dnsName of namespace/dnsName cannot be empty";
    }
    if (!ns.equals("*") && !ns.equals(".") && !ns.equals("~") && !Names.isDns1123Label(ns)) {
      return "invalid namespace \"" + ns + "\": use *, . (the Sidecar's own), ~ (none) or a namespace name";
    }
    if (host.equals("*")) {
      return null;
    }
    if (!host.contains(".")) {
      return "short names are not allowed; use a fully qualified name such as " + host + ".example.com, or *";
    }
    if (Names.isPartialWildcard(host)) {
      return "a wildcard must be a whole first label (*.example.com or *)";
    }
    return Names.wildcardHostProblem(host);
  }

  /**
   * Warnings for Sidecars that another one of the same input always shadows (Istio's analyzer warns likewise): a
   * second Sidecar without workloadSelector in one namespace, or a second with exactly the same selector labels.
   * Only the oldest (creation time, then name) applies.
   */
  static List<Problem> shadowed(List<ResourceDecoder.Decoded> decoded) {
    List<ResourceDecoder.Decoded> sidecars = new ArrayList<>(decoded.stream()
        .filter(d -> d.resource().kind() == Kind.SIDECAR).toList());
    sidecars.sort(Comparator.comparing((ResourceDecoder.Decoded d) -> d.resource().metadata().creationTimestamp(),
        Comparator.nullsFirst(Comparator.<Instant>naturalOrder())).thenComparing(d -> d.resource().name()));
    Map<String, String> first = new HashMap<>();
    List<Problem> out = new ArrayList<>();
    for (ResourceDecoder.Decoded d : sidecars) {
      Resource r = d.resource();
      SidecarSpec s = r.spec(SidecarSpec.class);
      String selects = s.workloadSelector() == null ? "" : "selector " + s.workloadSelector().labels();
      String older = first.putIfAbsent(r.namespace() + "|" + selects, r.name());
      if (older != null) {
        Findings f = new Findings();
        f.warning(s.workloadSelector() == null ? "metadata.name" : "spec.workloadSelector", selects.isEmpty()
            ? "namespace " + r.namespace() + " already has a Sidecar without workloadSelector (" + older + "); only"
                + " the oldest applies, so this one never does: merge them or give this one a workloadSelector"
            : "Sidecar " + older + " has the same workloadSelector; only the oldest applies, so this one never"
                + " does: merge them or select other workloads");
        out.addAll(Validator.locate(f.list(), d.sourceMap()));
      }
    }
    return out;
  }
}
